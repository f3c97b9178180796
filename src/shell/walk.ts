// Walks a parsed command in execution order and lists every program it would run, with arguments
// expanded as far as statically known, wrappers (sudo, env, sh -c, xargs...) taken off, and the
// directory each runs in.
import {
  type Analysis,
  type Output,
  type ResolvedRedirect,
  UNKNOWN_DIR,
  type Value,
} from "./analysis.ts";
import { applyAssigns } from "./assigns.ts";
import { dirIn, union } from "./dirs.ts";
import { expandArgv, expandText, expandWord } from "./expand.ts";
import { concatOutputs, mergeOutputs, programOutput } from "./outputs.ts";
import { runProgram } from "./programs.ts";
import { shellQuote } from "./quote.ts";
import { redirectedFds, redirectedStdin, resolveRedirects } from "./redirects.ts";
import type { Ctx } from "./runner.ts";
import { type Command, type Script, type Stmt, wordsSource } from "./shell-ast.ts";
import { deferredWrite } from "./startup-files.ts";
import { WalkState } from "./walk-state.ts";
import { unwrapAll } from "./wrappers.ts";

/** Redirections that send stdout to a file. */
const STDOUT_TO_FILE = new Set([">", ">>", ">|", "&>", "&>>"]);

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

class Walker extends WalkState {
  private readonly functionBodies = new Map<string, Stmt>();

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
    const assigned = applyAssigns(cmd, env, this.scope, (name, values) =>
      this.setVar(name, values),
    );
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

  protected invoke(
    argv: Value[],
    outer: Ctx,
    redirects: ResolvedRedirect[],
    source: string,
  ): Output {
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
            dirs.map((d) => dirIn(dir.text, d)),
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
    if (word) this.programWord(word, name, current, ctx);
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
