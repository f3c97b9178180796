// Walks a parsed command in execution order and lists every program it would run, with arguments
// expanded as far as statically known, wrappers (sudo, env, sh -c, xargs...) taken off, and the
// directory each runs in.
import {
  type Analysis,
  basename,
  type Hazard,
  type Output,
  type ResolvedRedirect,
  type Taint,
  TooComplexError,
  UNKNOWN_DIR,
  type Value,
} from "./analysis.ts";
import { Dirs, union } from "./dirs.ts";
import { type ExpandEnv, expandArgv, expandText, expandWord } from "./expand.ts";
import { concatOutputs, mergeOutputs, programOutput } from "./outputs.ts";
import { parseShell, ShellSyntaxError } from "./parse.ts";
import { isAnchored, normalisePath, resolveIn } from "./paths.ts";
import { runProgram, SHELLS } from "./programs.ts";
import { shellQuote } from "./quote.ts";
import { NETWORK_PATH, redirectedFds, redirectedStdin, resolveRedirects } from "./redirects.ts";
import type { Ctx, Runner } from "./runner.ts";
import { Scope } from "./scope.ts";
import { type Command, type Script, type Stmt, wordsSource } from "./shell-ast.ts";
import { deferredWrite } from "./startup-files.ts";
import { appendTo, arrayValue, setElement } from "./values.ts";
import { unwrapAll } from "./wrappers.ts";
import { WrittenFiles } from "./written-files.ts";

/** Nesting of sh -c / eval / $(...) / function calls we follow before giving up. */
const MAX_DEPTH = 12;
const MAX_INVOCATIONS = 2000;
/** Redirections that send stdout to a file. */
const STDOUT_TO_FILE = new Set([">", ">>", ">|", "&>", "&>>"]);
/** Where a program name is looked up: a file written there in the line is what the name runs. */
const PATH_DIRS = [
  "/usr/local/bin",
  "/usr/local/sbin",
  "/usr/bin",
  "/usr/sbin",
  "/bin",
  "/sbin",
  "~/bin",
  "~/.local/bin",
];
const INTERPRETER = /^(python[\d.]*|perl|ruby|node|nodejs|php|lua|bun|deno|nc|ncat|socat|telnet)$/;

export interface WalkOptions {
  /** The directories the command may start in; unknown when not given. */
  cwd?: readonly string[];
}

export function analyzeScript(
  script: Script,
  command: string,
  options: WalkOptions = {},
): Analysis {
  const walker = new Walker(command, options.cwd ?? [UNKNOWN_DIR]);
  walker.script(script, {
    depth: 0,
    piped: false,
    background: false,
    functions: [],
    calls: [],
    wrappers: [],
    // `bash -c CMD` with stdin closed: no arguments, $0 is the shell, nothing to read.
    positional: [],
    arg0: { text: "bash", dynamic: false },
    stdin: { text: "" },
    fds: {},
  });
  return walker.analysis;
}

class Walker implements Runner {
  readonly analysis: Analysis;
  private readonly scope = new Scope();
  private readonly functionBodies = new Map<string, Stmt>();
  private readonly dirs: Dirs;
  private readonly fds: Record<string, Output> = {};
  /** Files written earlier in the line, and what they hold. */
  private readonly files: WrittenFiles;

  constructor(command: string, cwd: readonly string[]) {
    this.analysis = {
      command,
      invocations: [],
      dynamicCode: [],
      functions: [],
      links: [],
      hazards: [],
    };
    this.dirs = new Dirs(cwd);
    this.files = new WrittenFiles(() => this.dirs.current);
  }

  script(script: Script, ctx: Ctx): Output {
    return concatOutputs(script.stmts.map((s) => this.stmt(s, ctx)));
  }

  private stmt(stmt: Stmt, outer: Ctx): Output {
    const ctx: Ctx = { ...outer, background: outer.background || stmt.background };
    const env = this.env(ctx);
    const redirects = resolveRedirects(stmt.redirects, env);
    const read = (path: string) => {
      const fd = /^\/dev\/fd\/(\d+)$/.exec(path)?.[1];
      return fd ? this.descriptor(fd, ctx) : this.fileContent(path);
    };
    const stdin = redirectedStdin(stmt.redirects, env, read) ?? ctx.stdin;
    const fds = redirectedFds(stmt.redirects, env, read);
    const inner = { ...ctx, stdin, fds: fds ? { ...ctx.fds, ...fds } : ctx.fds };
    let out: Output;
    if (stmt.command.kind === "simple") out = this.simple(stmt.command, redirects, inner, stmt);
    else {
      if (redirects.length > 0) this.record([], inner, redirects, "");
      out = this.compound(stmt.command, inner);
    }
    for (const r of redirects) {
      if (!STDOUT_TO_FILE.has(r.op) || (r.fd !== undefined && r.fd !== "1")) continue;
      this.files.write(r.target, out, r.op.endsWith(">>"));
      if (out.endless && r.target !== "/dev/null" && !r.dynamic)
        this.hazard("endless-output", `output without end written to ${r.target}`);
      deferredWrite(r.dynamic ? "" : r.target, out, this, inner);
    }
    return out;
  }

  private compound(cmd: Command, ctx: Ctx): Output {
    switch (cmd.kind) {
      case "simple":
        return this.simple(cmd, [], ctx);
      case "pipeline": {
        let stdin = ctx.stdin;
        // Each stage runs in a subshell: a cd there does not outlive it.
        for (const stage of cmd.stages)
          stdin = this.dirs.within(undefined, () =>
            this.stmt(stage, { ...ctx, piped: true, stdin }),
          );
        return stdin;
      }
      case "and-or":
        return this.andOr(cmd, ctx);
      case "group":
        if (cmd.subshell)
          return this.dirs.within(undefined, () =>
            concatOutputs(cmd.body.map((s) => this.stmt(s, ctx))),
          );
        return concatOutputs(cmd.body.map((s) => this.stmt(s, ctx)));
      case "function":
        this.functionBodies.set(cmd.name, cmd.body);
        if (!this.analysis.functions.includes(cmd.name)) this.analysis.functions.push(cmd.name);
        // Walked once as written (with no arguments); calls walk it again with theirs.
        this.stmt(cmd.body, { ...ctx, functions: [...ctx.functions, cmd.name], positional: [] });
        return { text: "" };
      case "for": {
        const env = this.env(ctx);
        const items = cmd.items
          ? cmd.items.flatMap((w) => expandWord(w, env).flat())
          : this.scope.positionalSets(ctx.positional).flat();
        this.setVar(cmd.variable, items.length > 0 ? items : [{ text: "", dynamic: false }]);
        return this.loop(
          cmd.body,
          ctx,
          true,
          items.some((i) => i.many),
        );
      }
      case "block":
        for (const w of cmd.words) expandText(w, this.env(ctx));
        return this.loop(cmd.body, ctx, cmd.loop, cmd.endless ?? false);
      case "test":
        for (const w of cmd.words) expandText(w, this.env(ctx));
        for (const s of cmd.scripts) this.script(s, { ...ctx, depth: ctx.depth + 1, piped: false });
        return {};
    }
  }

  /**
   * `cd X && …` runs the right side only where the cd got to; `cd X || exit` leaves only X
   * possible afterwards. Otherwise a cd that may fail leaves the old directory possible too.
   */
  private andOr(cmd: Command & { kind: "and-or" }, ctx: Ctx): Output {
    this.dirs.lastCd = undefined;
    const left = this.stmt(cmd.left, ctx);
    const cd = this.dirs.lastCd;
    if (cmd.op === "&&" && cd) {
      const afterLeft = this.dirs.current;
      this.dirs.current = cd;
      const right = this.stmt(cmd.right, ctx);
      this.dirs.current = union(afterLeft, this.dirs.current);
      return concatOutputs([left, right]);
    }
    const right = this.stmt(cmd.right, ctx);
    if (cmd.op === "||" && cd && exits(cmd.right)) this.dirs.current = cd;
    return concatOutputs([left, right]);
  }

  /**
   * A loop body is walked twice so that values assigned late in one pass are seen by the next.
   * A loop without end that starts commands in the background floods the machine with processes.
   */
  private loop(body: Stmt[], ctx: Ctx, twice: boolean, endless: boolean): Output {
    const first = this.analysis.invocations.length;
    const out = concatOutputs(body.map((s) => this.stmt(s, ctx)));
    if (twice) for (const s of body) this.stmt(s, ctx);
    if (endless) {
      const spawned = this.analysis.invocations
        .slice(first)
        .find((inv) => inv.background && !ctx.background);
      if (spawned)
        this.hazard("fork-loop", `a loop without end starts ${spawned.source} & over and over`);
    }
    return out;
  }

  private simple(
    cmd: Command & { kind: "simple" },
    redirects: ResolvedRedirect[],
    ctx: Ctx,
    stmt?: Stmt,
  ): Output {
    const env = this.env(ctx);
    const persistent = cmd.words.length === 0 || cmd.declaration;
    const nameref = cmd.declaration && cmd.words.some((w) => /^-[a-zA-Z]*n/.test(w.source));
    let assigned: Map<string, Value[]> | undefined;
    for (const assign of cmd.assigns) {
      const values = assign.array
        ? arrayValue(assign.values.map((w) => expandWord(w, env)))
        : assign.values.flatMap((w) => expandText(w, env));
      if (!assign.name) continue;
      if (nameref) {
        for (const v of values) if (!v.dynamic) this.scope.nameref(assign.name, v.text);
        continue;
      }
      if (!persistent) {
        assigned ??= new Map();
        assigned.set(assign.name, values);
        continue;
      }
      const old = this.scope.get(assign.name);
      this.setVar(
        assign.name,
        assign.index
          ? setElement(old, expandText(assign.index, env)[0]?.text ?? "", values)
          : assign.append
            ? appendTo(old, values)
            : values,
      );
    }
    const source = stmt ? wordsSource(cmd) : "";
    if (cmd.words.length === 0) {
      if (redirects.length > 0) this.record([], ctx, redirects, source);
      return { text: "" };
    }
    const inner = assigned ? { ...ctx, assigned } : ctx;
    // `$EMPTY` alone runs nothing (but `$EMPTY > f` still opens f).
    const argvs = expandArgv(cmd.words, env).filter((a) => a.length > 0 || redirects.length > 0);
    const outputs = argvs.map((argv) => this.invoke(argv, inner, redirects, source));
    if (outputs.length === 0) return { text: "" };
    return outputs.length === 1 ? (outputs[0] as Output) : mergeOutputs(outputs);
  }

  private invoke(argv: Value[], outer: Ctx, redirects: ResolvedRedirect[], source: string): Output {
    const { argv: current, wrappers, chdirs } = unwrapAll(argv);
    const ctx = { ...outer, wrappers: [...outer.wrappers, ...wrappers] };
    if (chdirs.length === 0) return this.program(current, ctx, redirects, source);
    // env -C DIR / sudo -D DIR: the command runs there, the shell stays where it is.
    let dirs = this.dirs.current;
    for (const dir of chdirs)
      dirs = dir.dynamic
        ? [UNKNOWN_DIR]
        : union(
            [],
            dirs.map((d) => resolveIn(dir.text, d)),
          );
    return this.dirs.within(dirs, () => this.program(current, ctx, redirects, source));
  }

  private program(
    current: Value[],
    ctx: Ctx,
    redirects: ResolvedRedirect[],
    source: string,
  ): Output {
    const word = current[0];
    const alias = word && !word.dynamic ? this.scope.aliases.get(word.text) : undefined;
    if (alias !== undefined && !ctx.calls.includes(`alias ${word?.text}`)) {
      // An alias used after it was defined: its body with the rest of the words, as shell.
      const rest = current.slice(1).map((a) => (a.dynamic ? '"$UNKNOWN"' : shellQuote(a.text)));
      const calls = [...ctx.calls, `alias ${word?.text}`];
      return this.runCode([alias, ...rest].join(" "), "alias", { ...ctx, calls });
    }
    const name = this.record(current, ctx, redirects, source);
    this.dirs.lastCd = undefined;
    // `$(curl ...)` or `$c` holding decoded data as the command word: its program is unseen code.
    if (word?.dynamic && word.taint) this.dynamicCode("the command word", word.taint, undefined);
    // ./f where f was written earlier in this line: what was written is what runs; `tool` too
    // when the line wrote /usr/local/bin/tool.
    if (word && !word.dynamic && word.text.includes("/")) this.runWritten(word.text, ctx);
    else if (word && !word.dynamic && name)
      for (const dir of PATH_DIRS)
        if (this.fileContent(`${dir}/${name}`)) this.runWritten(`${dir}/${name}`, ctx);
    // `$SHELL -c CODE`: an unknown program given -c CODE is taken for a shell.
    if (word?.dynamic) this.maybeShell(current, ctx);
    const callee = this.functionBodies.get(name);
    if (callee && !ctx.calls.includes(name)) {
      this.deeper(ctx);
      return this.stmt(callee, {
        ...ctx,
        depth: ctx.depth + 1,
        calls: [...ctx.calls, name],
        functions: [...ctx.functions, name],
        positional: current.slice(1),
      });
    }
    const followed = runProgram(name, current, { ...ctx, wrappers: [...ctx.wrappers, name] }, this);
    const out = followed ?? programOutput(name, current.slice(1), ctx.stdin, this.dirs.current);
    if (name === "tee")
      for (const file of current.slice(1))
        if (!file.text.startsWith("-") && !file.dynamic)
          deferredWrite(file.text, ctx.stdin, this, ctx);
    return this.files.through(name, current.slice(1), ctx.stdin, out);
  }

  /** Runs a file the line wrote earlier: its known text is walked, anything else judged. */
  runWritten(path: string, ctx: Ctx): void {
    const written = this.fileContent(path);
    if (!written) return;
    if (written.taint) this.dynamicCode(path, written.taint, written.producer);
    else if (written.text !== undefined) this.runCode(written.text, path, ctx, { subshell: true });
    else this.dynamicCode(path, undefined, undefined, written.origin ?? `a file written earlier`);
  }

  private maybeShell(argv: Value[], ctx: Ctx): void {
    const c = argv.findIndex((a) => /^-[a-zA-Z]*c$/.test(a.text));
    const code = c < 0 ? undefined : argv[c + 1];
    if (!code || code.dynamic) return;
    try {
      this.runCode(code.text, "an unknown program given -c", ctx, { subshell: true });
    } catch (err) {
      if (!(err instanceof ShellSyntaxError)) throw err;
    }
  }

  fileContent(path: string): Output | undefined {
    return this.files.read(path);
  }

  private record(argv: Value[], ctx: Ctx, redirects: ResolvedRedirect[], source: string): string {
    if (this.analysis.invocations.length >= MAX_INVOCATIONS)
      throw new TooComplexError(`more than ${MAX_INVOCATIONS} commands after expansion`);
    const argv0 = argv[0];
    const name = argv0 ? basename(argv0.text) : "";
    const text = source || argv.map((a) => a.text).join(" ");
    this.analysis.invocations.push({
      argv: argv.map((a) => a.text),
      args: argv.map((a) => (a.dynamic ? { dynamic: true, origin: a.origin } : KNOWN)),
      name,
      dynamicName: argv0?.dynamic ?? false,
      wrappers: ctx.wrappers,
      redirects,
      piped: ctx.piped,
      background: ctx.background,
      functions: ctx.functions,
      cwd: this.dirs.current,
      source: text,
    });
    // bash -i >& /dev/tcp/HOST/PORT 0>&1: a shell driven from the network.
    if (redirects.some((r) => NETWORK_PATH.test(r.target)))
      if (SHELLS.has(name) || INTERPRETER.test(name) || ctx.wrappers.some((w) => SHELLS.has(w)))
        this.hazard(
          "reverse-shell",
          `${name} with its input or output on ${redirects.find((r) => NETWORK_PATH.test(r.target))?.target}`,
        );
    return name;
  }

  private env(ctx: Ctx): ExpandEnv {
    return {
      lookup: (name) => this.lookup(name, ctx),
      assign: (name, values) => this.setVar(name, values),
      substitute: (script) => {
        this.deeper(ctx);
        // $(pwd) where the directory is one of several known ones: each of them.
        if (script.source.trim() === "pwd") return this.dirs.current.map(dirValue);
        const out = this.dirs.within(undefined, () =>
          this.script(script, { ...ctx, depth: ctx.depth + 1, piped: false }),
        );
        if (out.text !== undefined) return { text: out.text.replace(/\n+$/, ""), dynamic: false };
        const origin = out.origin ?? (out.file ? `cat ${out.file}` : undefined);
        // $(ls -d /*), $(find / -maxdepth 1): the paths it lists stand for what it prints.
        if (out.roots)
          return { text: out.roots.join(" "), dynamic: false, ...(origin ? { origin } : {}) };
        return {
          text: "",
          dynamic: true,
          ...(out.taint ? { taint: out.taint } : {}),
          ...(origin ? { origin: `$(${origin})` } : {}),
          ...(out.endless ? { many: true } : {}),
        };
      },
    };
  }

  lookup(name: string, ctx?: Ctx): Value[] | undefined {
    if (ctx && /^(\d+|[@*])$/.test(name))
      return name === "0" ? [ctx.arg0] : this.scope.positional(name, ctx.positional);
    if (name === "PWD" || name === "OLDPWD") {
      const own = this.scope.get(name);
      if (own) return own;
      return (name === "PWD" ? this.dirs.current : this.dirs.oldpwd).map(dirValue);
    }
    return ctx?.assigned?.get(name) ?? this.scope.get(name);
  }

  setPositional(values: Value[]): void {
    this.scope.setPositional(values);
  }

  setVar(name: string, values: Value[]): void {
    this.scope.set(name, values);
  }

  defineAlias(name: string, body: Value): void {
    if (!body.dynamic) this.scope.aliases.set(name, body.text);
  }

  changeDirectory(how: "cd" | "pushd" | "popd", target: Value[] | undefined, ctx: Ctx): void {
    if (how === "popd") this.dirs.popd();
    else this.dirs[how](target, this.lookup("CDPATH", ctx));
  }

  directories(): string[] {
    return this.dirs.current;
  }

  setErrexit(on: boolean): void {
    this.dirs.errexit = on;
  }

  openFd(fd: string, content: Output): void {
    this.fds[fd] = content;
  }

  descriptor(fd: string, ctx: Ctx): Output | undefined {
    return ctx.fds[fd] ?? this.fds[fd];
  }

  link(target: string, linkName: string): void {
    for (const dir of this.dirs.current) {
      const from = resolveIn(linkName, dir);
      // A relative symlink target is relative to the directory the link is in.
      const to = isAnchored(target) ? normalisePath(target) : resolveIn(target, parentOf(from));
      if (this.analysis.links.length < 64) this.analysis.links.push({ from, to });
    }
  }

  hazard(kind: Hazard["kind"], detail: string): void {
    if (this.analysis.hazards.length < 64)
      this.analysis.hazards.push({ kind, detail, source: this.analysis.command });
  }

  runCode(
    text: string,
    via: string,
    ctx: Ctx,
    opts: { positional?: Value[]; arg0?: Value; dirs?: string[]; subshell?: boolean } = {},
  ): Output {
    this.deeper(ctx);
    let script: Script;
    try {
      script = parseShell(text);
    } catch (err) {
      if (err instanceof ShellSyntaxError)
        throw new ShellSyntaxError(`${err.message} (in the code run by ${via})`);
      throw err;
    }
    const inner: Ctx = {
      ...ctx,
      depth: ctx.depth + 1,
      piped: false,
      ...(opts.positional ? { positional: opts.positional } : {}),
      ...(opts.arg0 ? { arg0: opts.arg0 } : {}),
    };
    if (!opts.subshell && !opts.dirs) return this.script(script, inner);
    return this.dirs.within(opts.dirs, () => this.script(script, inner));
  }

  runArgv(argv: Value[], ctx: Ctx, via: string, source = ""): Output {
    this.deeper(ctx);
    if (argv.length === 0) return {};
    return this.invoke(
      argv,
      {
        ...ctx,
        depth: ctx.depth + 1,
        wrappers: ctx.wrappers.includes(via) ? ctx.wrappers : [...ctx.wrappers, via],
      },
      [],
      source,
    );
  }

  dynamicCode(
    via: string,
    taint: Taint | undefined,
    producer: string | undefined,
    origin?: string,
  ): void {
    this.analysis.dynamicCode.push({
      via,
      source: this.analysis.command,
      ...(taint ? { taint } : {}),
      ...(producer ? { producer } : {}),
      ...(origin ? { origin } : {}),
    });
  }

  private deeper(ctx: Ctx): void {
    if (ctx.depth >= MAX_DEPTH)
      throw new TooComplexError(
        `nested more than ${MAX_DEPTH} levels deep (sh -c, eval, $(...), function calls)`,
      );
  }
}

const KNOWN = Object.freeze({ dynamic: false });

function dirValue(dir: string): Value {
  return dir === UNKNOWN_DIR
    ? { text: "", dynamic: true, origin: "the working directory" }
    : { text: dir, dynamic: false };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : UNKNOWN_DIR;
}

/** `exit`, `return`, or a group ending in one: what follows only runs if it did not. */
function exits(stmt: Stmt): boolean {
  const c = stmt.command;
  if (c.kind === "simple") {
    const first = c.words[0]?.source;
    return first === "exit" || first === "return";
  }
  if (c.kind === "group") {
    const last = c.body.at(-1);
    return last ? exits(last) : false;
  }
  return false;
}
