// Interpreters and where their code comes from: an argument (python -c, perl -e, node -e, php -r,
// awk 'PROGRAM', pwsh -c...), stdin (python3 - <<EOF, curl | python3), or a script file. Code that
// is written out is scanned (scan.ts) and what it does is walked as shell; code from a download,
// a decode or an unknown source is reported as such.
import type { Output, Value } from "../analysis.ts";
import { ShellSyntaxError } from "../parse.ts";
import type { Ctx, Runner } from "../runner.ts";
import { scriptFile } from "../shells.ts";
import { pwshActions } from "./pwsh.ts";
import { type Action, type Lang, scanCode } from "./scan.ts";

interface Spec {
  lang: Lang;
  /** Options whose value is code (several are joined by newlines: perl -e a -e b). */
  code: string[];
  /** Options that take a value that is not code. */
  valued?: string[];
  /** Options after which stdin is data and there is no script (python -m MODULE). */
  module?: string[];
  /** The first operand is the program (awk 'PROGRAM' FILE...). */
  programOperand?: boolean;
  /** A subcommand that takes code as its operand (deno eval CODE). */
  evalSub?: string;
}

const PYTHON: Spec = { lang: "python", code: ["-c"], valued: ["-W", "-X", "-Q"], module: ["-m"] };
const NODE: Spec = {
  lang: "js",
  code: ["-e", "--eval", "-p", "--print"],
  valued: ["-r", "--require", "--import", "--loader", "-C", "--conditions"],
};
const AWK: Spec = {
  lang: "awk",
  code: ["-e", "--source"],
  valued: [
    "-F",
    "-v",
    "-f",
    "-i",
    "-l",
    "-E",
    "--field-separator",
    "--assign",
    "--file",
    "--include",
    "--load",
  ],
  programOperand: true,
};

const SPECS: Record<string, Spec> = {
  perl: {
    lang: "perl",
    code: ["-e", "-E"],
    valued: ["-I", "-M", "-m", "-F", "-l", "-0", "-x", "-i", "-C", "-d", "-D"],
  },
  ruby: { lang: "ruby", code: ["-e"], valued: ["-r", "-I", "-C", "-E", "-F", "-i", "-x"] },
  node: NODE,
  nodejs: NODE,
  bun: { ...NODE, code: ["-e", "--eval", "-p", "--print"] },
  deno: {
    lang: "js",
    code: ["--eval"],
    evalSub: "eval",
    valued: ["--config", "--import-map", "--allow-read", "--allow-write"],
  },
  php: { lang: "php", code: ["-r", "-B", "-R", "-E"], valued: ["-c", "-d", "-f", "-z", "-t"] },
  lua: { lang: "lua", code: ["-e"], valued: ["-l"] },
  luajit: { lang: "lua", code: ["-e"], valued: ["-l", "-j", "-O"] },
  Rscript: { lang: "r", code: ["-e"], valued: ["--default-packages"] },
  R: { lang: "r", code: ["-e"], valued: ["-f", "--file"] },
  julia: {
    lang: "julia",
    code: ["-e", "--eval", "-E", "--print"],
    valued: ["-J", "-L", "-p", "-t", "--project"],
  },
  awk: AWK,
  gawk: AWK,
  mawk: AWK,
  nawk: AWK,
  emacs: {
    lang: "elisp",
    code: ["--eval", "-eval"],
    valued: ["-l", "--load", "-f", "--funcall", "-L", "--directory"],
  },
  expect: { lang: "tcl", code: ["-c"], valued: ["-f"] },
  tclsh: { lang: "tcl", code: [], valued: [] },
  osascript: { lang: "tcl", code: ["-e"], valued: ["-l"] },
};

/** undefined: not an interpreter we read. */
export function runInterpreter(
  name: string,
  args: Value[],
  ctx: Ctx,
  run: Runner,
): Output | undefined {
  if (/^(pwsh|powershell)(\.exe)?$/.test(name)) return powershell(args, ctx, run);
  const spec = /^(python[\d.]*|pypy[\d.]*)$/.test(name) ? PYTHON : SPECS[name];
  if (!spec) return undefined;
  const via = name;
  const given = codeOf(spec, args);
  if (given.code.length > 0) {
    for (const code of given.code) {
      if (code.dynamic)
        run.dynamicCode(
          via,
          code.taint,
          undefined,
          code.origin ?? "a value not known before it runs",
        );
      else apply(scanCode(code.text, spec.lang), via, ctx, run);
    }
    return undefined;
  }
  if (given.module) return undefined;
  const script = given.script;
  if (script && script.text !== "-") {
    // deno run https://... runs a download.
    if (/^https?:\/\//.test(script.text)) run.dynamicCode(via, "downloaded", script.text);
    else scriptFileCode(via, script, spec.lang, ctx, run);
    return undefined;
  }
  const input = ctx.stdin;
  if (input.text !== undefined) apply(scanCode(input.text, spec.lang), via, ctx, run);
  else if (input.taint) run.dynamicCode(via, input.taint, input.producer);
  else if (!input.file) run.dynamicCode(via, undefined, undefined, input.origin ?? "its input");
  return undefined;
}

/** The code arguments, the module, or the script operand. */
function codeOf(spec: Spec, args: Value[]): { code: Value[]; module: boolean; script?: Value } {
  const code: Value[] = [];
  let i = 0;
  if (spec.evalSub && args[0]?.text === spec.evalSub) {
    const rest = args.slice(1).filter((a) => !a.text.startsWith("-"));
    return { code: rest.slice(0, 1), module: false };
  }
  if (spec.evalSub && args[0]?.text === "run") i = 1;
  for (; i < args.length; i++) {
    const a = args[i] as Value;
    const t = a.text;
    if (t === "--") {
      i++;
      break;
    }
    if (!t.startsWith("-") || t === "-") break;
    const eq = t.indexOf("=");
    const key = eq > 0 && t.startsWith("--") ? t.slice(0, eq) : t;
    if (spec.code.includes(key)) {
      if (eq > 0 && t.startsWith("--")) code.push({ ...a, text: t.slice(eq + 1) });
      else if (args[i + 1]) code.push(args[++i] as Value);
      continue;
    }
    if (spec.module?.includes(t)) return { code, module: true };
    // A cluster like -ne or -pie: the code option last takes the next argument (perl, ruby).
    const cluster = /^-([a-zA-Z]+)$/.exec(t)?.[1];
    const codeLetter =
      cluster && spec.code.find((c) => c.length === 2 && cluster.endsWith(c[1] as string));
    if (cluster && cluster.length > 1 && codeLetter) {
      if (args[i + 1]) code.push(args[++i] as Value);
      continue;
    }
    if (spec.module?.some((m) => t.startsWith(m) && t.length > m.length))
      return { code, module: true };
    if (spec.valued?.includes(t)) i++;
  }
  if (code.length > 0) return { code, module: false };
  if (spec.programOperand) {
    const program = args[i];
    return { code: program ? [program] : [], module: false };
  }
  return { code, module: false, script: args[i] };
}

/** A script file: written earlier in the line with known text, it is scanned; otherwise judged. */
function scriptFileCode(via: string, script: Value, lang: Lang, ctx: Ctx, run: Runner): void {
  const written = script.dynamic ? undefined : run.fileContent(script.text);
  if (written?.text !== undefined) {
    apply(scanCode(written.text, lang), via, ctx, run);
    return;
  }
  if (script.content !== undefined) {
    apply(scanCode(script.content, lang), via, ctx, run);
    return;
  }
  // Tainted paths, descriptors, and files written with unknown content are judged as for sh.
  if (written || script.taint || /^\/(dev|proc)\//.test(script.text))
    scriptFile(via, script, ctx, run);
}

/** pwsh -c/-Command CODE..., -EncodedCommand BASE64 (decoded code), -File F. */
function powershell(args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  for (let i = 0; i < args.length; i++) {
    const t = (args[i] as Value).text.toLowerCase();
    if (/^-(e|ec|en|enc|enco|encod|encode|encoded|encodedc\w*)$/.test(t)) {
      run.dynamicCode("pwsh", "decoded", "-EncodedCommand");
      return undefined;
    }
    if (/^-(c|co|com|comm|comma|comman|command)$/.test(t)) {
      const words = args.slice(i + 1);
      if (words.some((w) => w.dynamic))
        run.dynamicCode(
          "pwsh",
          words.find((w) => w.taint)?.taint,
          undefined,
          words.find((w) => w.dynamic)?.origin,
        );
      else apply(pwshActions(words.map((w) => w.text).join(" ")), "pwsh", ctx, run);
      return undefined;
    }
  }
  return undefined;
}

/** Walks what the scanned code does, as the shell commands that would do the same. */
export function apply(actions: Action[], via: string, ctx: Ctx, run: Runner): void {
  const value = (text: string | null): Value =>
    text === null
      ? { text: "", dynamic: true, origin: `a value ${via} builds at run time` }
      : { text, dynamic: false };
  const source = (call: string) => `${via}: ${call}`;
  for (const a of actions) {
    switch (a.kind) {
      case "shell":
        try {
          run.runCode(a.code, `${via} (${a.call})`, ctx, { subshell: true });
        } catch (err) {
          // A string that is not shell is no command the shell would run either.
          if (!(err instanceof ShellSyntaxError)) throw err;
        }
        break;
      case "argv":
        run.runArgv(a.argv.map(value), ctx, via, source(a.call));
        break;
      case "delete-tree":
        run.runArgv(["rm", "-r", "-f", "--", a.path].map(value), ctx, via, source(a.call));
        break;
      case "delete":
        run.runArgv(["rm", "-f", "--", a.path].map(value), ctx, via, source(a.call));
        break;
      case "write":
        run.runArgv(["tee", "--", a.path].map(value), { ...ctx, stdin: {} }, via, source(a.call));
        break;
      case "chdir":
        run.changeDirectory("cd", [value(a.path)], ctx);
        break;
      case "kill":
        run.runArgv(["kill", `-${a.signal}`, "--", a.pid].map(value), ctx, via, source(a.call));
        break;
      case "hidden":
        run.dynamicCode(via, a.taint, a.call, `a command ${via} builds at run time (${a.call})`);
        break;
      case "fork-loop":
        run.hazard("fork-loop", `${via} forks without end (${a.call})`);
        break;
    }
  }
}
