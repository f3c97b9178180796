// Walks a parsed command in execution order and lists every program it would run, with arguments
// expanded as far as statically known and wrappers (sudo, env, sh -c, xargs...) taken off.
import {
  type Analysis,
  basename,
  mergeTaint,
  type Output,
  type ResolvedRedirect,
  type Taint,
  type Value,
} from "./analysis.ts";
import { combine, type ExpandEnv, expandArgv, expandText, expandWord } from "./expand.ts";
import { programOutput } from "./outputs.ts";
import { parseShell, ShellSyntaxError } from "./parse.ts";
import { type Ctx, type Runner, runProgram } from "./programs.ts";
import type { Command, Redirect, Script, Stmt } from "./shell-ast.ts";
import { isWrapper, unwrapOnce } from "./wrappers.ts";

/** Nesting of sh -c / eval / $(...) / function calls we follow before giving up. */
const MAX_DEPTH = 12;
const MAX_INVOCATIONS = 2000;
const MAX_VALUES_PER_VARIABLE = 256;

/** The command is too convoluted to analyse: refused, like unparseable input. */
export class TooComplexError extends Error {
  override readonly name = "TooComplexError";
}

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

  constructor(command: string) {
    this.analysis = { command, invocations: [], dynamicCode: [], functions: [] };
  }

  script(script: Script, ctx: Ctx): Output {
    return concat(script.stmts.map((s) => this.stmt(s, ctx)));
  }

  private stmt(stmt: Stmt, outer: Ctx): Output {
    const ctx: Ctx = { ...outer, background: outer.background || stmt.background };
    const redirects = this.redirects(stmt.redirects, ctx);
    const stdin = this.stdinFrom(stmt.redirects, ctx) ?? ctx.stdin;
    const inner = { ...ctx, stdin };
    if (stmt.command.kind === "simple") return this.simple(stmt.command, redirects, inner, stmt);
    if (redirects.length > 0) this.record([], inner, redirects, "");
    return this.compound(stmt.command, inner);
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
        return concat([this.stmt(cmd.left, ctx), this.stmt(cmd.right, ctx)]);
      case "group":
        return concat(cmd.body.map((s) => this.stmt(s, ctx)));
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
        const items = cmd.items
          ? cmd.items.flatMap((w) => expandWord(w, env).flat())
          : (ctx.positional ?? [{ text: "", dynamic: true }]);
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
    const out = concat(body.map((s) => this.stmt(s, ctx)));
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
      if (persistent && assign.name)
        this.setVar(
          assign.name,
          assign.append ? appendTo(this.vars.get(assign.name), values) : values,
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
    return outputs.length === 1 ? (outputs[0] as Output) : merge(outputs);
  }

  private invoke(argv: Value[], outer: Ctx, redirects: ResolvedRedirect[], source: string): Output {
    const wrappers: string[] = [];
    let current = argv;
    for (
      let n = 0;
      n < 16 && current.length > 0 && isWrapper(basename(current[0]?.text ?? ""));
      n++
    ) {
      const inner = unwrapOnce(current);
      if (!inner) break;
      wrappers.push(basename(current[0]?.text ?? ""));
      current = inner;
    }
    const ctx = { ...outer, wrappers: [...outer.wrappers, ...wrappers] };
    const name = this.record(current, ctx, redirects, source);
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
    return followed ?? programOutput(name, current.slice(1), ctx.stdin);
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

  private redirects(list: Redirect[], ctx: Ctx): ResolvedRedirect[] {
    const env = this.env(ctx);
    return list.flatMap((r) => {
      if (r.heredoc) expandText(r.heredoc, env);
      const base = r.fd ? { op: r.op, fd: r.fd } : { op: r.op };
      return expandText(r.target, env).map((v) => ({
        ...base,
        target: v.text,
        dynamic: v.dynamic,
      }));
    });
  }

  /** What a command reads when a here-doc, here-string or < redirect replaces its stdin. */
  private stdinFrom(list: Redirect[], ctx: Ctx): Output | undefined {
    const input = [...list]
      .reverse()
      .find((r) => r.op === "<" || r.op === "<<" || r.op === "<<-" || r.op === "<<<");
    if (!input) return undefined;
    const env = this.env(ctx);
    const word = input.heredoc ?? input.target;
    const values = expandText(word, env);
    const value = values[0];
    if (!value) return {};
    if (input.op === "<") return value.taint ? { taint: value.taint, producer: "<(...)" } : {};
    if (value.dynamic) return value.taint ? { taint: value.taint, producer: "$(...)" } : {};
    return { text: input.op === "<<<" ? `${value.text}\n` : value.text };
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
    if (/^\d+$/.test(name) && name !== "0") {
      const v = ctx.positional?.[Number(name) - 1];
      return ctx.positional ? [v ?? { text: "", dynamic: false }] : undefined;
    }
    if (name === "@" || name === "*") {
      if (!ctx.positional) return undefined;
      const fields = ctx.positional.map((p) => p.text);
      return [{ text: fields.join(" "), fields, dynamic: ctx.positional.some((p) => p.dynamic) }];
    }
    return this.vars.get(name);
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

  dynamicCode(via: string, taint: Taint | undefined, producer: string | undefined, ctx: Ctx): void {
    void ctx;
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

function concat(outputs: Output[]): Output {
  if (outputs.length === 1) return outputs[0] as Output;
  const out: Output = {};
  if (outputs.every((o) => o.text !== undefined)) out.text = outputs.map((o) => o.text).join("");
  for (const o of outputs) {
    out.taint = mergeTaint(out.taint, o.taint);
    out.producer ??= o.producer;
    if (o.roots) out.roots = [...(out.roots ?? []), ...o.roots];
  }
  if (!out.taint) delete out.taint;
  return out;
}

/** Several possible expansions of one command: static only if they all agree. */
function merge(outputs: Output[]): Output {
  const out = concat(outputs);
  const first = outputs[0]?.text;
  if (outputs.every((o) => o.text === first)) out.text = first;
  else delete out.text;
  return out;
}

function arrayValue(elements: Value[][][]): Value[] {
  const fields = elements.flatMap((alts) => alts[0] ?? []);
  return [
    {
      text: fields.map((f) => f.text).join(" "),
      fields: fields.map((f) => f.text),
      dynamic: fields.some((f) => f.dynamic),
    },
  ];
}

function appendTo(old: Value[] | undefined, values: Value[]): Value[] {
  if (!old) return values;
  return combine([old, values]).map(([a, b]) => ({
    text: (a as Value).text + (b as Value).text,
    dynamic: !!(a?.dynamic || b?.dynamic),
  }));
}

function wordsSource(cmd: Command & { kind: "simple" }): string {
  return cmd.words.map((w) => w.source).join(" ");
}
