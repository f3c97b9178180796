// Programs that run other code (sh -c, eval, source, xargs, find -exec, watch, su -c, flock,
// script -c, trap, alias) or change what later words mean (cd, read, printf -v, set --): each is
// followed into what it runs.
import { mergeTaint, type Output, type Taint, type Value } from "./analysis.ts";
import { runFind, runXargs } from "./feeders.ts";
import { formatPrintf } from "./outputs.ts";
import { ShellSyntaxError } from "./parse.ts";
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
const NOTHING: Output = { text: "" };
/** Script interpreters; their code cannot be followed, but where it comes from can be judged. */
const INTERPRETERS = /^(python[\d.]*|perl|ruby|node|nodejs|php|lua)$/;

/** undefined: an ordinary program, nothing to follow. */
export function runProgram(name: string, argv: Value[], ctx: Ctx, run: Runner): Output | undefined {
  const args = argv.slice(1);
  if (SHELLS.has(name)) return runShell(name, args, ctx, run);
  if (INTERPRETERS.test(name)) {
    interpreterStdin(name, args, ctx, run);
    return undefined;
  }
  switch (name) {
    case "eval":
      return runText("eval", args, ctx, run);
    case "source":
    case ".": {
      const file = args[0];
      if (file?.text === "-" || isStdinPath(file)) return runStdin(name, ctx, run);
      if (file?.content !== undefined) return run.runCode(file.content, name, ctx);
      scriptFile(name, file, run);
      return {};
    }
    case "xargs":
      return runXargs(args, ctx, run);
    case "find":
      return runFind(args, ctx, run);
    case "watch": {
      const rest = skipOptions(args, "ng", ["--interval", "--differences"]);
      const exec = args.some((a) => a.text === "-x" || a.text === "--exec");
      return exec ? run.runArgv(rest, ctx, "watch") : runText("watch", rest, ctx, run);
    }
    case "trap": {
      // trap ACTION SIGNAL...: the action runs later, on the signal or at exit.
      const rest = args[0]?.text === "--" ? args.slice(1) : args;
      const action = rest[0];
      if (!action || rest.length < 2 || action.text.startsWith("-")) return NOTHING;
      return runText("trap", [action], ctx, run);
    }
    case "alias":
      for (const a of args) {
        const eq = a.text.indexOf("=");
        if (eq > 0) aliasBody({ ...a, text: a.text.slice(eq + 1) }, ctx, run);
      }
      return NOTHING;
    case "su":
    case "runuser":
    case "script":
    case "flock": {
      const code = optionValue(args, "c", "--command");
      if (code) return runText(name, [code], ctx, run);
      if (name !== "flock") return {};
      return run.runArgv(
        skipOptions(args, "wEc", ["--timeout", "--conflict-exit-code"]).slice(1),
        ctx,
        name,
      );
    }
    case "cd":
    case "pushd":
      changeDirectory(args, run);
      return NOTHING;
    case "read":
      readInto(args, ctx.stdin, run);
      return NOTHING;
    case "mapfile":
    case "readarray":
      mapLines(args, ctx.stdin, run);
      return NOTHING;
    case "set": {
      const positional = newPositionals(args);
      if (positional) run.setPositional(positional);
      return NOTHING;
    }
    case "printf":
      if (args[0]?.text === "-v" && args[1]) {
        const text = args.slice(2).some((a) => a.dynamic)
          ? undefined
          : formatPrintf(
              args[2]?.text ?? "",
              args.slice(3).map((a) => a.text),
            );
        run.setVar(args[1].text, [{ text: text ?? "", dynamic: text === undefined }]);
        return NOTHING;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** sh -c CODE [$0 ARGS...] | sh SCRIPT | sh (reads stdin) */
function runShell(name: string, args: Value[], ctx: Ctx, run: Runner): Output {
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
      run.dynamicCode(name, code.taint, undefined);
      return {};
    }
    return run.runCode(code.text, name, ctx, operands.slice(2));
  }
  const script = operands[0];
  if (script && !readsStdin && !isStdinPath(script)) {
    if (script.content !== undefined)
      return run.runCode(script.content, name, ctx, operands.slice(1));
    scriptFile(name, script, run);
    return {};
  }
  return runStdin(name, ctx, run);
}

/** A script operand: refused when its path is tainted, or names a file written tainted. */
function scriptFile(via: string, file: Value | undefined, run: Runner): void {
  if (!file) return;
  if (file.taint) {
    run.dynamicCode(via, file.taint, undefined);
    return;
  }
  const written = run.fileTaint(file.text);
  if (written?.taint) run.dynamicCode(via, written.taint, written.producer);
}

function isStdinPath(file: Value | undefined): boolean {
  return file?.text === "/dev/stdin" || file?.text === "/dev/fd/0";
}

/**
 * `curl ... | python3`: with no script operand (or `-`) and no code given as an argument (-c, -e,
 * -m, -r...), the interpreter runs its stdin, which is refused when downloaded or decoded.
 */
function interpreterStdin(name: string, args: Value[], ctx: Ctx, run: Runner): void {
  const codeInArgs = args.some((a) => /^-[a-zA-Z]*[cemEr]|^--(eval|print)/.test(a.text));
  const script = args.find((a) => !a.text.startsWith("-") || a.text === "-");
  if (codeInArgs) return;
  if (script && script.text !== "-") {
    scriptFile(name, script, run); // curl -o x.py URL; python3 x.py
    return;
  }
  if (ctx.stdin.taint) run.dynamicCode(name, ctx.stdin.taint, ctx.stdin.producer);
}

/** Code read from stdin: followed when known, refused later when decoded or downloaded. */
function runStdin(via: string, ctx: Ctx, run: Runner): Output {
  const input = ctx.stdin;
  if (input.text !== undefined) return run.runCode(input.text, via, { ...ctx, stdin: {} });
  if (input.taint) run.dynamicCode(via, input.taint, input.producer);
  return {};
}

/** eval ARGS / watch ARGS / su -c ARG: the words joined by spaces are shell code. */
function runText(via: string, words: Value[], ctx: Ctx, run: Runner): Output {
  if (words.length === 0) return NOTHING;
  if (words.some((w) => w.dynamic)) {
    const taint = words.reduce<Taint | undefined>((t, w) => mergeTaint(t, w.taint), undefined);
    run.dynamicCode(via, taint, undefined);
    return {};
  }
  return run.runCode(words.map((w) => w.text).join(" "), via, ctx);
}

/** An alias body runs wherever its name is used later, so it is checked where it is defined. */
function aliasBody(body: Value, ctx: Ctx, run: Runner): void {
  try {
    runText("alias", [body], ctx, run);
  } catch (err) {
    // A fragment (alias x='if') is no command on its own; it cannot run by itself either.
    if (!(err instanceof ShellSyntaxError)) throw err;
  }
}

function changeDirectory(args: Value[], run: Runner): void {
  const target = args.find((a) => !/^-[LPe@]+$/.test(a.text));
  if (target?.text === "-" || target?.dynamic) return;
  const dir = target?.text ?? "~";
  if (dir.startsWith("/") || dir.startsWith("~")) {
    run.setVar("PWD", [{ text: dir, dynamic: false }]);
    return;
  }
  const bases = run.lookup("PWD");
  if (bases)
    run.setVar(
      "PWD",
      bases.map((b) => ({ ...b, text: `${b.text}/${dir}` })),
    );
}

function readInto(args: Value[], stdin: Output, run: Runner): void {
  const words = stdin.text?.split("\n")[0]?.trim().split(/\s+/);
  const array = optionValue(args, "a", "--array");
  if (array) {
    setArray(array.text, words, stdin, run); // read -a NAME: one word each
    return;
  }
  const names = skipOptions(args, "adinNptu", []).map((a) => a.text);
  names.forEach((name, k) => {
    const last = k === names.length - 1;
    const text = words ? (last ? words.slice(k).join(" ") : (words[k] ?? "")) : "";
    run.setVar(name, [{ text, dynamic: !words, taint: stdin.taint }]);
  });
}

/** mapfile / readarray [-t] [NAME]: one line of stdin each (into MAPFILE by default). */
function mapLines(args: Value[], stdin: Output, run: Runner): void {
  const name = skipOptions(args, "dnOsuCc", [])[0]?.text ?? "MAPFILE";
  setArray(name, stdin.text?.replace(/\n$/, "").split("\n"), stdin, run);
}

function setArray(name: string, elements: string[] | undefined, stdin: Output, run: Runner): void {
  const fields = elements ?? [];
  run.setVar(name, [
    { text: fields.join(" "), fields, dynamic: elements === undefined, taint: stdin.taint },
  ]);
}

/** set [-eux] [-o NAME] [--] ARGS: the new positional parameters; undefined when they stay. */
function newPositionals(args: Value[]): Value[] | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return args.slice(i + 1);
    if (a === "-") return i + 1 < args.length ? args.slice(i + 1) : undefined;
    if (!/^[-+]./.test(a)) return args.slice(i);
    if (a.includes("o")) i++; // -o NAME / -euo NAME
  }
  return undefined;
}

/** Arguments after the options; `valued` short letters and long names take a value. */
function skipOptions(args: Value[], valued: string, valuedLong: string[]): Value[] {
  let i = 0;
  for (; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return args.slice(i + 1);
    if (!a.startsWith("-") || a === "-") break;
    if (valuedLong.includes(a)) i++;
    else if (!a.startsWith("--") && valued.includes(a.slice(-1)) && a.length === 2) i++;
  }
  return args.slice(i);
}

/** The value of -c CODE / --command CODE / --command=CODE / -lc CODE. */
function optionValue(args: Value[], short: string, long: string): Value | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === long || (/^-[A-Za-z]+$/.test(a) && a.endsWith(short))) return args[i + 1];
    if (a.startsWith(`${long}=`)) return { ...(args[i] as Value), text: a.slice(long.length + 1) };
  }
  return undefined;
}
