// The walk's state and the callbacks program handlers use (the Runner): variables, directories,
// descriptors, files written in the line, links, hazards, and walking code they hand back. The
// walk itself (statements, commands, programs) is walk.ts.
import {
  type Analysis,
  type Hazard,
  type Output,
  type ResolvedRedirect,
  type Taint,
  TooComplexError,
  type Value,
} from "./analysis.ts";
import { Dirs } from "./dirs.ts";
import type { ExpandEnv } from "./expand.ts";
import { parseShell, ShellSyntaxError } from "./parse.ts";
import { isAnchored, normalisePath, resolveIn } from "./paths.ts";
import { dirValue, invocation, parentOf } from "./records.ts";
import { NETWORK_PATH } from "./redirects.ts";
import type { Ctx, Runner } from "./runner.ts";
import { Scope } from "./scope.ts";
import type { Script } from "./shell-ast.ts";
import { SHELLS } from "./shells.ts";
import { WrittenFiles } from "./written-files.ts";

/** Nesting of sh -c / eval / $(...) / function calls we follow before giving up. */
const MAX_DEPTH = 12;
const MAX_INVOCATIONS = 2000;
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

export abstract class WalkState implements Runner {
  readonly analysis: Analysis;
  protected readonly scope = new Scope();
  protected readonly dirs: Dirs;
  private readonly fds: Record<string, Output> = {};
  /** Files written earlier in the line, and what they hold. */
  protected readonly files: WrittenFiles;

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

  abstract script(script: Script, ctx: Ctx): Output;
  protected abstract invoke(
    argv: Value[],
    ctx: Ctx,
    redirects: ResolvedRedirect[],
    source: string,
  ): Output;

  /**
   * What the program word itself says: decoded or downloaded data as the command word is unseen
   * code; a file this line wrote (`./f`, or `tool` after writing /usr/local/bin/tool) runs what
   * was written; an unknown program given `-c CODE` is taken for a shell.
   */
  protected programWord(word: Value, name: string, argv: Value[], ctx: Ctx): void {
    if (word.dynamic && word.taint) this.dynamicCode("the command word", word.taint, undefined);
    if (!word.dynamic && word.text.includes("/")) this.runWritten(word.text, ctx);
    else if (!word.dynamic && name && !this.files.empty)
      for (const dir of PATH_DIRS)
        if (this.fileContent(`${dir}/${name}`)) this.runWritten(`${dir}/${name}`, ctx);
    if (word.dynamic) this.maybeShell(argv, ctx);
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
  /** Runs a file the line wrote earlier: its known text is walked, anything else judged. */
  runWritten(path: string, ctx: Ctx): void {
    const written = this.fileContent(path);
    if (!written) return;
    if (written.taint) this.dynamicCode(path, written.taint, written.producer);
    else if (written.text !== undefined) this.runCode(written.text, path, ctx, { subshell: true });
    else this.dynamicCode(path, undefined, undefined, written.origin ?? `a file written earlier`);
  }

  fileContent(path: string): Output | undefined {
    return this.files.read(path);
  }

  protected record(argv: Value[], ctx: Ctx, redirects: ResolvedRedirect[], source: string): string {
    const inv = invocation(argv, ctx, redirects, source, this.dirs.current);
    if (this.analysis.invocations.length >= MAX_INVOCATIONS)
      throw new TooComplexError(`more than ${MAX_INVOCATIONS} commands after expansion`);
    this.analysis.invocations.push(inv);
    const network = redirects.find((r) => NETWORK_PATH.test(r.target));
    // bash -i >& /dev/tcp/HOST/PORT 0>&1: a shell driven from the network.
    if (
      network &&
      (SHELLS.has(inv.name) ||
        INTERPRETER.test(inv.name) ||
        ctx.wrappers.some((w) => SHELLS.has(w)))
    )
      this.hazard("reverse-shell", `${inv.name} with its input or output on ${network.target}`);
    return inv.name;
  }

  protected env(ctx: Ctx): ExpandEnv {
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

  protected deeper(ctx: Ctx): void {
    if (ctx.depth >= MAX_DEPTH)
      throw new TooComplexError(
        `nested more than ${MAX_DEPTH} levels deep (sh -c, eval, $(...), function calls)`,
      );
  }
}
