// Shells and the builtins that run shell code: sh -c CODE, sh SCRIPT, code on stdin or a
// descriptor, eval, source. Code that is known is walked; code that is not is reported with where
// it came from (downloaded, decoded, or the unknown output of some command).
import { mergeTaint, type Output, type Taint, type Value } from "./analysis.ts";
import type { Ctx, Runner } from "./runner.ts";

export const SHELLS = new Set([
  "sh",
  "bash",
  "zsh",
  "dash",
  "ksh",
  "mksh",
  "lksh",
  "oksh",
  "ash",
  "yash",
  "posh",
  "rbash",
  "fish",
  "csh",
  "tcsh",
]);

/** sh -c CODE [$0 ARGS...] | sh SCRIPT [ARGS] | sh (reads stdin) */
export function runShell(name: string, args: Value[], ctx: Ctx, run: Runner): Output {
  let withC = false;
  let readsStdin = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--" || a === "-") {
      readsStdin ||= a === "-";
      i++;
      break;
    }
    if (a === "--rcfile" || a === "--init-file") i++;
    else if (a.startsWith("--")) continue;
    else if (/^[-+][A-Za-z]+$/.test(a)) {
      if (a.startsWith("-") && a.includes("c")) withC = true;
      if (a.includes("s")) readsStdin = true;
      if (/[oO]$/.test(a)) i++; // -o pipefail / -O extglob take a value
    } else break;
  }
  const operands = args.slice(i);
  if (withC) {
    const code = operands[0];
    if (!code) return {};
    if (code.dynamic) {
      run.dynamicCode(
        name,
        code.taint,
        undefined,
        code.origin ?? "a value not known before it runs",
      );
      return {};
    }
    const arg0 = operands[1] ?? { text: name, dynamic: false };
    return run.runCode(code.text, name, ctx, {
      positional: operands.slice(2),
      arg0,
      subshell: true,
    });
  }
  const script = operands[0];
  if (script && !readsStdin)
    return scriptFile(name, script, ctx, run, { positional: operands.slice(1), arg0: script });
  return runStdin(name, ctx, run);
}

/**
 * A script operand: a file on disk runs unseen, like any program; but a path that is really a
 * descriptor (/dev/stdin, /dev/fd/3, /proc/self/fd/0), a process substitution, or a file this
 * line wrote is code we can see, or must refuse to run blindly.
 */
export function scriptFile(
  via: string,
  file: Value | undefined,
  ctx: Ctx,
  run: Runner,
  opts: { positional?: Value[]; arg0?: Value } = {},
): Output {
  if (!file) return {};
  if (file.taint) {
    run.dynamicCode(via, file.taint, undefined);
    return {};
  }
  if (file.content !== undefined)
    return run.runCode(file.content, via, ctx, { ...opts, subshell: true });
  const fd = descriptorOf(file.text);
  // <(cmd) whose output is not known: what cmd prints runs.
  if (file.dynamic && fd !== undefined && file.origin) {
    run.dynamicCode(via, undefined, undefined, file.origin);
    return {};
  }
  if (fd === "0") return runStdin(via, ctx, run);
  if (fd !== undefined) {
    const content = run.descriptor(fd, ctx);
    if (content?.text !== undefined)
      return run.runCode(content.text, via, ctx, { ...opts, subshell: true });
    run.dynamicCode(via, content?.taint, content?.producer, content?.origin ?? `descriptor ${fd}`);
    return {};
  }
  if (!file.dynamic) run.runWritten(file.text, ctx);
  return {};
}

/** The descriptor a path reads from: /dev/stdin → "0", /dev/fd/3 and /proc/self/fd/3 → "3". */
export function descriptorOf(path: string): string | undefined {
  if (path === "/dev/stdin") return "0";
  const m = /^\/(?:dev\/fd|proc\/(?:self|\$\$|\d+|thread-self)\/fd)\/(\d+)$/.exec(path);
  return m?.[1];
}

/** Code read from stdin: followed when known; refused later when its source is not visible. */
export function runStdin(via: string, ctx: Ctx, run: Runner): Output {
  const input = ctx.stdin;
  if (input.text !== undefined)
    return run.runCode(input.text, via, { ...ctx, stdin: { text: "" } }, { subshell: true });
  // cat FILE | sh is as visible as sh FILE: a script on disk.
  if (input.file && !input.taint) return {};
  run.dynamicCode(
    via,
    input.taint,
    input.producer,
    input.taint ? undefined : (input.origin ?? "its input"),
  );
  return {};
}

/** eval ARGS / watch ARGS / su -c ARG: the words joined by spaces are shell code. */
export function runText(via: string, words: Value[], ctx: Ctx, run: Runner): Output {
  if (words.length === 0) return { text: "" };
  if (words.some((w) => w.dynamic)) {
    const taint = words.reduce<Taint | undefined>((t, w) => mergeTaint(t, w.taint), undefined);
    const origin = words.find((w) => w.dynamic)?.origin;
    run.dynamicCode(via, taint, undefined, origin ?? "a value not known before it runs");
    return {};
  }
  return run.runCode(words.map((w) => w.text).join(" "), via, ctx);
}

/** source FILE / . FILE: the file runs in this shell. */
export function runSource(name: string, args: Value[], ctx: Ctx, run: Runner): Output {
  const file = args[0];
  if (file?.text === "-") return runStdin(name, ctx, run);
  if (file?.content !== undefined) return run.runCode(file.content, name, ctx);
  return scriptFile(name, file, ctx, run);
}
