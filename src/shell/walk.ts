// Walks a parsed command in execution order and lists every program it would run, with arguments
// expanded as far as statically known and wrappers (sudo, env, sh -c, xargs...) taken off.
import {
  type Analysis,
  basename,
  type Output,
  type ResolvedRedirect,
  type Taint,
  TooComplexError,
  type Value,
} from "./analysis.ts";
import { type ExpandEnv, expandArgv, expandText, expandWord } from "./expand.ts";
import { concatOutputs, mergeOutputs, programOutput } from "./outputs.ts";
import { parseShell, ShellSyntaxError } from "./parse.ts";
import { runProgram } from "./programs.ts";
import { redirectedStdin, resolveRedirects } from "./redirects.ts";
import type { Ctx, Runner } from "./runner.ts";
import { type Command, type Script, type Stmt, wordsSource } from "./shell-ast.ts";
import { TaintedFiles } from "./tainted-files.ts";
import { appendTo, arrayValue, positionalValues, setElement } from "./values.ts";
import { unwrapAll } from "./wrappers.ts";

/** Nesting of sh -c / eval / $(...) / function calls we follow before giving up. */
const MAX_DEPTH = 12;
const MAX_INVOCATIONS = 2000;
const MAX_VALUES_PER_VARIABLE = 256;
/** Redirections that send stdout to a file. */
const STDOUT_TO_FILE = new Set([">", ">>", ">|", "&>", "&>>"]);

export function analyzeScript(script: Script, command: string): Analysis {
  const walker = new Walker(command);
  walker.script(script, {
    depth: 0,
    piped: false,
    background: false,
    functions: [],
    calls: [],
    wrappers: [],
    stdin: {},
  });
  return walker.analysis;
}

class Walker implements Runner {
  readonly analysis: Analysis;
  private readonly vars = new Map<string, Value[]>();
  private readonly functionBodies = new Map<string, Stmt>();
  /** Argument lists given by `set -- ARGS`: possible positional parameters from then on. */
  private readonly setPositionals: Value[][] = [];
  /** Files written earlier in the line with downloaded or decoded data. */
  private readonly files = new TaintedFiles(() =>
    (this.vars.get("PWD") ?? [{ text: "." }]).map((v) => v.text),
  );

  constructor(command: string) {
    this.analysis = { command, invocations: [], dynamicCode: [], functions: [] };
  }

  script(script: Script, ctx: Ctx): Output {
    return concatOutputs(script.stmts.map((s) => this.stmt(s, ctx)));
  }

  private stmt(stmt: Stmt, outer: Ctx): Output {
    const ctx: Ctx = { ...outer, background: outer.background || stmt.background };
    const env = this.env(ctx);
    const redirects = resolveRedirects(stmt.redirects, env);
    const stdin = redirectedStdin(stmt.redirects, env, (path) => this.fileTaint(path)) ?? ctx.stdin;
    const inner = { ...ctx, stdin };
    let out: Output;
    if (stmt.command.kind === "simple") out = this.simple(stmt.command, redirects, inner, stmt);
    else {
      if (redirects.length > 0) this.record([], inner, redirects, "");
      out = this.compound(stmt.command, inner);
    }
    // curl URL > f, base64 -d > f <<< ...: f now holds what they printed.
    if (out.taint)
      for (const r of redirects)
        if (STDOUT_TO_FILE.has(r.op) && (r.fd === undefined || r.fd === "1"))
          this.files.taint(r.target, out);
    return out;
  }

  private compound(cmd: Command, ctx: Ctx): Output {
    switch (cmd.kind) {
      case "simple":
        return this.simple(cmd, [], ctx);
      case "pipeline": {
        let stdin = ctx.stdin;
        for (const stage of cmd.stages) stdin = this.stmt(stage, { ...ctx, piped: true, stdin });
        return stdin;
      }
      case "and-or":
        return concatOutputs([this.stmt(cmd.left, ctx), this.stmt(cmd.right, ctx)]);
      case "group":
        return concatOutputs(cmd.body.map((s) => this.stmt(s, ctx)));
      case "function":
        this.functionBodies.set(cmd.name, cmd.body);
        if (!this.analysis.functions.includes(cmd.name)) this.analysis.functions.push(cmd.name);
        this.stmt(cmd.body, {
          ...ctx,
          functions: [...ctx.functions, cmd.name],
          positional: undefined,
        });
        return { text: "" };
      case "for": {
        const env = this.env(ctx);
        const sets = this.positionalSets(ctx);
        // `for x; do` walks "$@", unknown at top level.
        const items = cmd.items
          ? cmd.items.flatMap((w) => expandWord(w, env).flat())
          : sets.length > 0
            ? sets.flat()
            : [{ text: "", dynamic: true }];
        this.setVar(cmd.variable, items.length > 0 ? items : [{ text: "", dynamic: false }]);
        return this.loop(cmd.body, ctx, true);
      }
      case "block":
        for (const w of cmd.words) expandText(w, this.env(ctx));
        return this.loop(cmd.body, ctx, cmd.loop);
      case "test":
        for (const w of cmd.words) expandText(w, this.env(ctx));
        for (const s of cmd.scripts) this.script(s, { ...ctx, depth: ctx.depth + 1, piped: false });
        return {};
    }
  }

  /** A loop body is walked twice so that values assigned late in one pass are seen by the next. */
  private loop(body: Stmt[], ctx: Ctx, twice: boolean): Output {
    const out = concatOutputs(body.map((s) => this.stmt(s, ctx)));
    if (twice) for (const s of body) this.stmt(s, ctx);
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
    for (const assign of cmd.assigns) {
      const values = assign.array
        ? arrayValue(assign.values.map((w) => expandWord(w, env)))
        : assign.values.flatMap((w) => expandText(w, env));
      if (!persistent || !assign.name) continue;
      const old = this.vars.get(assign.name);
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
    // `$EMPTY` alone runs nothing (but `$EMPTY > f` still opens f).
    const argvs = expandArgv(cmd.words, env).filter((a) => a.length > 0 || redirects.length > 0);
    const outputs = argvs.map((argv) => this.invoke(argv, ctx, redirects, source));
    if (outputs.length === 0) return { text: "" };
    return outputs.length === 1 ? (outputs[0] as Output) : mergeOutputs(outputs);
  }

  private invoke(argv: Value[], outer: Ctx, redirects: ResolvedRedirect[], source: string): Output {
    const { argv: current, wrappers } = unwrapAll(argv);
    const ctx = { ...outer, wrappers: [...outer.wrappers, ...wrappers] };
    const name = this.record(current, ctx, redirects, source);
    // `$(curl ...)` or `$c` holding decoded data as the command word: its program is unseen code.
    const word = current[0];
    if (word?.dynamic && word.taint) this.dynamicCode("the command word", word.taint, undefined);
    // curl -o f URL; ./f: a file written with downloaded data, run as a program.
    const written = word?.text.includes("/") ? this.fileTaint(word.text) : undefined;
    if (written) this.dynamicCode(word?.text ?? name, written.taint, written.producer);
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
    const out = followed ?? programOutput(name, current.slice(1), ctx.stdin);
    return this.files.through(name, current.slice(1), ctx.stdin, out);
  }

  fileTaint(path: string): (Output & { taint: Taint }) | undefined {
    return this.files.taintOf(path);
  }

  private record(argv: Value[], ctx: Ctx, redirects: ResolvedRedirect[], source: string): string {
    if (this.analysis.invocations.length >= MAX_INVOCATIONS)
      throw new TooComplexError(`more than ${MAX_INVOCATIONS} commands after expansion`);
    const argv0 = argv[0];
    const name = argv0 ? basename(argv0.text) : "";
    this.analysis.invocations.push({
      argv: argv.map((a) => a.text),
      name,
      dynamicName: argv0?.dynamic ?? false,
      wrappers: ctx.wrappers,
      redirects,
      piped: ctx.piped,
      background: ctx.background,
      functions: ctx.functions,
      cwd: (this.vars.get("PWD") ?? [{ text: "." }]).map((v) => v.text),
      source: source || argv.map((a) => a.text).join(" "),
    });
    return name;
  }

  private env(ctx: Ctx): ExpandEnv {
    return {
      lookup: (name) => this.lookupIn(name, ctx),
      assign: (name, values) => this.setVar(name, values),
      substitute: (script) => {
        this.deeper(ctx);
        const out = this.script(script, { ...ctx, depth: ctx.depth + 1, piped: false, stdin: {} });
        if (out.text !== undefined) return { text: out.text.replace(/\n+$/, ""), dynamic: false };
        return { text: "", dynamic: true, taint: out.taint };
      },
    };
  }

  private lookupIn(name: string, ctx: Ctx): Value[] | undefined {
    if (!/^(\d+|[@*])$/.test(name) || name === "0") return this.vars.get(name);
    const sets = this.positionalSets(ctx);
    return sets.length > 0 ? sets.flatMap((p) => positionalValues(name, p) ?? []) : undefined;
  }

  /** Every possible positional parameter list; none when they are unknown (top level). */
  private positionalSets(ctx: Ctx): Value[][] {
    return ctx.positional ? [ctx.positional, ...this.setPositionals] : this.setPositionals;
  }

  setPositional(values: Value[]): void {
    const key = JSON.stringify(values.map((v) => [v.text, v.dynamic]));
    if (this.setPositionals.some((p) => JSON.stringify(p.map((v) => [v.text, v.dynamic])) === key))
      return;
    if (this.setPositionals.length >= MAX_VALUES_PER_VARIABLE)
      throw new TooComplexError(
        `set -- runs with more than ${MAX_VALUES_PER_VARIABLE} argument lists`,
      );
    this.setPositionals.push(values);
  }

  lookup(name: string): Value[] | undefined {
    return this.vars.get(name);
  }

  /** Values accumulate: after `a=ls; false || a=rm` both are possible, and both are checked. */
  setVar(name: string, values: Value[]): void {
    const old = this.vars.get(name) ?? [];
    const merged = [...old];
    for (const v of values)
      if (!merged.some((m) => m.text === v.text && m.dynamic === v.dynamic)) merged.push(v);
    if (merged.length > MAX_VALUES_PER_VARIABLE)
      throw new TooComplexError(
        `variable ${name} takes more than ${MAX_VALUES_PER_VARIABLE} values`,
      );
    this.vars.set(name, merged);
  }

  runCode(text: string, via: string, ctx: Ctx, positional?: Value[]): Output {
    this.deeper(ctx);
    let script: Script;
    try {
      script = parseShell(text);
    } catch (err) {
      if (err instanceof ShellSyntaxError)
        throw new ShellSyntaxError(`${err.message} (in the code run by ${via})`);
      throw err;
    }
    return this.script(script, {
      ...ctx,
      depth: ctx.depth + 1,
      piped: false,
      ...(positional ? { positional } : {}),
    });
  }

  runArgv(argv: Value[], ctx: Ctx, via: string): Output {
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
      "",
    );
  }

  dynamicCode(via: string, taint: Taint | undefined, producer: string | undefined): void {
    const entry = {
      via,
      source: this.analysis.command,
      ...(taint ? { taint } : {}),
      ...(producer ? { producer } : {}),
    };
    this.analysis.dynamicCode.push(entry);
  }

  private deeper(ctx: Ctx): void {
    if (ctx.depth >= MAX_DEPTH)
      throw new TooComplexError(
        `nested more than ${MAX_DEPTH} levels deep (sh -c, eval, $(...), function calls)`,
      );
  }
}
