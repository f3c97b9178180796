// Word expansion as the shell does it, as far as it is statically known: parameters, $(...), IFS
// field splitting, brace expansion. A variable may hold several possible values (assigned in
// branches or loops); every combination is produced, so a check sees each possible command.
import { mergeTaint, type Value } from "./analysis.ts";
import { evaluateArithmetic } from "./arith.ts";
import { expandBraces, globSource } from "./glob.ts";
import type { ParamOp, Part, Script, Word } from "./shell-ast.ts";

export interface ExpandEnv {
  /** Possible values of a variable or positional parameter; undefined when unknown. */
  lookup(name: string): Value[] | undefined;
  /** ${x:=w}: the assignment happens during expansion. */
  assign(name: string, values: Value[]): void;
  /** Records the commands of $(...) / <(...) and returns their output (every possible one). */
  substitute(script: Script): Value | Value[];
}

/** Beyond this many combinations we take each value at least once instead of every mix. */
const MAX_COMBINATIONS = 64;
const MAX_ALTERNATIVES = 256;
const UNKNOWN: Value = { text: "", dynamic: true };
const PLACEHOLDER = 0xe000;

/** Every possible argument list of a simple command. */
export function expandArgv(words: Word[], env: ExpandEnv): Value[][] {
  const perWord = words.map((w) => expandWord(w, env));
  return combine(perWord).map((choice) => {
    const fields = choice.flat();
    const first = fields.findIndex((f) => !f.vanished);
    if (first < 0) return [];
    // `$CC -O2`: when an unknown expansion vanished, the command word is not really known.
    // Later on, an unknown unquoted expansion may be any number of arguments (`rm -rf $DIRS`):
    // it stays as one unknown argument.
    const kept = fields.slice(first);
    if (first > 0 && kept[0])
      kept[0] = { ...kept[0], dynamic: true, ...originOf(fields.slice(0, first)) };
    return kept;
  });
}

/** Every possible field list of one word (brace expansion may make several words of it). */
export function expandWord(word: Word, env: ExpandEnv): Value[][] {
  const separators = splitter(env);
  const perVariant = braceVariants(tilde(word, env)).map((parts) =>
    combine(parts.map((p) => partValues(p, env))).map((values) =>
      splitFields(parts, values, separators),
    ),
  );
  return combine(perVariant).map((choice) => choice.flat());
}

/** Every possible value of a word in a place without field splitting (x=WORD, > WORD). */
export function expandText(word: Word, env: ExpandEnv): Value[] {
  return combine(tilde(word, env).parts.map((p) => partValues(p, env))).map((values) => ({
    text: values.map((v) => (v.fields ? v.fields.join(" ") : v.text)).join(""),
    dynamic: values.some((v) => v.dynamic),
    taint: values.reduce<Value["taint"]>((t, v) => mergeTaint(t, v.taint), undefined),
    ...(values.length === 1 && values[0]?.content !== undefined
      ? { content: values[0].content }
      : {}),
    ...originOf(values),
  }));
}

function originOf(values: Value[]): { origin?: string } {
  const origin = values.find((v) => v.dynamic && v.origin)?.origin;
  return origin ? { origin } : {};
}

/**
 * `~` at the start of a word is the home: kept as the `~` marker, unless the line assigned HOME,
 * whose value it then is (`HOME=/; rm -rf ~/*`).
 */
function tilde(word: Word, env: ExpandEnv): Word {
  const first = word.parts[0];
  if (first?.kind !== "lit" || first.quoted || !/^~(\/|$)/.test(first.value)) return word;
  const home = env.lookup("HOME");
  if (!home) return word;
  const rest = first.value.slice(1);
  const parts: Part[] = [{ kind: "param", name: "HOME", quoted: true }];
  if (rest) parts.push({ kind: "lit", value: rest, quoted: false });
  return { ...word, parts: [...parts, ...word.parts.slice(1)] };
}

export function combine<T>(lists: T[][]): T[][] {
  const sized = lists.map((l) => (l.length > 0 ? l : []));
  if (sized.some((l) => l.length === 0)) return [];
  const product = sized.reduce((n, l) => n * l.length, 1);
  if (product <= MAX_COMBINATIONS) {
    let out: T[][] = [[]];
    for (const list of sized) out = out.flatMap((prefix) => list.map((item) => [...prefix, item]));
    return out;
  }
  const count = Math.min(MAX_ALTERNATIVES, Math.max(...sized.map((l) => l.length)));
  return Array.from({ length: count }, (_, k) => sized.map((l) => l[k % l.length] as T));
}

/** Brace expansion applies to unquoted literal text only; other parts ride along as placeholders. */
function braceVariants(word: Word): Part[][] {
  const hasBrace = word.parts.some((p) => p.kind === "lit" && !p.quoted && p.value.includes("{"));
  if (!hasBrace) return [word.parts];
  const template = word.parts
    .map((p, i) => (p.kind === "lit" && !p.quoted ? p.value : String.fromCharCode(PLACEHOLDER + i)))
    .join("");
  return expandBraces(template).map((text) => {
    const parts: Part[] = [];
    let lit = "";
    for (const ch of text) {
      const index = ch.charCodeAt(0) - PLACEHOLDER;
      const part = index >= 0 && index < word.parts.length ? word.parts[index] : undefined;
      if (!part) lit += ch;
      else {
        if (lit) parts.push({ kind: "lit", value: lit, quoted: false });
        lit = "";
        parts.push(part);
      }
    }
    if (lit) parts.push({ kind: "lit", value: lit, quoted: false });
    return parts;
  });
}

function partValues(part: Part, env: ExpandEnv): Value[] {
  switch (part.kind) {
    case "lit":
      return [{ text: part.value, dynamic: false }];
    case "param":
      if (part.indirect)
        return lookupParam(part.name, env).flatMap((v) =>
          v.dynamic || !/^[A-Za-z_]\w*$|^\d+$/.test(v.text)
            ? [UNKNOWN]
            : paramValues(v.text, part.op, env),
        );
      return paramValues(part.name, part.op, env);
    case "arith": {
      for (const s of part.scripts) env.substitute(s);
      const scalar = (name: string) => {
        const values = lookupParam(name, env);
        return values.length === 1 && !values[0]?.dynamic ? values[0]?.text : undefined;
      };
      const v = evaluateArithmetic(part.expression, scalar);
      return [v === undefined ? UNKNOWN : { text: String(v), dynamic: false }];
    }
    case "subst":
      return [env.substitute(part.script)].flat();
    case "procsubst": {
      const out = [env.substitute(part.script)].flat()[0] as Value;
      const content = out.dynamic ? {} : { content: out.text };
      const origin = out.origin ? { origin: out.origin } : {};
      return [{ text: "/dev/fd/63", dynamic: true, taint: out.taint, ...content, ...origin }];
    }
    case "opaque": {
      const taint = part.scripts
        .flatMap((s) => [env.substitute(s)].flat().map((v) => v.taint))
        .reduce<Value["taint"]>(mergeTaint, undefined);
      return [{ ...UNKNOWN, taint }];
    }
  }
}

/**
 * Variables the node's environment sets that we can still name: HOME is the home marker `~`,
 * TMPDIR a temporary directory. PWD and OLDPWD come from the walk's directories.
 */
const ENVIRONMENT: Record<string, Value> = {
  HOME: { text: "~", dynamic: false },
  TMPDIR: { text: "/tmp", dynamic: false },
  IFS: { text: " \t\n", dynamic: false },
};

function lookupParam(name: string, env: ExpandEnv): Value[] {
  const known = env.lookup(name);
  if (known) return known;
  const fallback = ENVIRONMENT[name];
  return [fallback ?? { ...UNKNOWN, origin: `$${name}` }];
}

function paramValues(name: string, op: ParamOp | undefined, env: ExpandEnv): Value[] {
  const base = lookupParam(name, env);
  if (op?.kind === "element") {
    const index = op.index?.source ?? "0";
    if (index === "@" || index === "*") return base;
    return base.map((v) => (v.fields ? pick(v, v.fields[Number(index)]) : v));
  }
  // "$@" and "$*" are every positional parameter; an operator applies to each of them.
  if (name === "@" || name === "*")
    return op
      ? base.flatMap((v) => (v.fields ? eachField(v, op, env) : applyOp(name, [v], op, env)))
      : base;
  // $a on an array is its first element.
  const scalars = base.map((v) => (v.fields ? pick(v, v.fields[0]) : v));
  return op ? applyOp(name, scalars, op, env) : scalars;
}

function eachField(v: Value, op: ParamOp, env: ExpandEnv): Value[] {
  const fields = v.fields ?? [];
  if (op.kind === "slice") {
    // ${@:2:1} slices the list, not each word.
    const [offset, length] = [op.offset, op.length].map((w) =>
      w ? Number(expandText(w, env)[0]?.text.trim()) : undefined,
    );
    if (!Number.isInteger(offset) || (length !== undefined && !Number.isInteger(length)))
      return [UNKNOWN];
    const start = Math.max(0, (offset as number) - 1);
    const kept = fields.slice(start, length === undefined ? undefined : start + length);
    return [{ ...v, text: kept.join(" "), fields: kept }];
  }
  const perField = fields.map((text) =>
    applyOp("@", [{ text, dynamic: v.dynamic, taint: v.taint }], op, env),
  );
  return combine(perField).map((fs) => ({
    text: fs.map((f) => f.text).join(" "),
    fields: fs.map((f) => f.text),
    dynamic: v.dynamic || fs.some((f) => f.dynamic),
    taint: v.taint,
  }));
}

function applyOp(name: string, scalars: Value[], op: ParamOp, env: ExpandEnv): Value[] {
  const text = (w: Word) => expandText(w, env);
  switch (op.kind) {
    case "default": {
      const fallback = text(op.word);
      if (op.assign && scalars.every((v) => v.dynamic || v.text === "")) env.assign(name, fallback);
      return scalars.flatMap((v) =>
        v.dynamic ? [v, ...fallback] : v.text === "" ? fallback : [v],
      );
    }
    case "alternative": {
      const alt = text(op.word);
      return scalars.flatMap((v) => (v.dynamic ? [v, ...alt] : v.text === "" ? [v] : alt));
    }
    case "required":
      text(op.message); // its $(...) run when the shell aborts
      // Never empty: a static "" aborts the command; an unknown value is some non-empty text.
      return scalars.flatMap((v) =>
        v.text !== "" ? [v] : v.dynamic ? [{ ...v, text: `\${${name}}` }] : [],
      );
    case "case":
      return scalars.map((v) => ({
        ...v,
        text: op.upper ? v.text.toUpperCase() : v.text.toLowerCase(),
      }));
    case "trim":
      return scalars.flatMap((v) =>
        text(op.pattern).map((p) =>
          v.dynamic ? v : { ...v, text: trim(v.text, p.text, op.from, op.longest) },
        ),
      );
    case "replace": {
      const replacement = op.with ? text(op.with) : [{ text: "", dynamic: false }];
      return scalars.flatMap((v) =>
        text(op.pattern).flatMap((p) =>
          replacement.map((r) => ({
            ...v,
            dynamic: v.dynamic || p.dynamic || r.dynamic,
            text: replace(v.text, p.text, r.text, op.all),
          })),
        ),
      );
    }
    case "slice": {
      const offset = Number(text(op.offset)[0]?.text.trim());
      const length = op.length ? Number(text(op.length)[0]?.text.trim()) : undefined;
      if (!Number.isInteger(offset) || (length !== undefined && !Number.isInteger(length)))
        return [UNKNOWN];
      return scalars.map((v) => ({ ...v, text: slice(v.text, offset, length) }));
    }
    case "element": // taken apart by paramValues
      return scalars;
  }
}

function pick(v: Value, text: string | undefined): Value {
  return { text: text ?? "", dynamic: v.dynamic, taint: v.taint };
}

function trim(s: string, pattern: string, from: "prefix" | "suffix", longest: boolean): string {
  const re = new RegExp(`^${globSource(pattern, true)}$`);
  const cuts = Array.from({ length: s.length + 1 }, (_, i) => i);
  // prefix: shortest first = small i; suffix: shortest first = large i.
  const order = (from === "prefix") === longest ? cuts.reverse() : cuts;
  for (const i of order) {
    if (from === "prefix" && re.test(s.slice(0, i))) return s.slice(i);
    if (from === "suffix" && re.test(s.slice(i))) return s.slice(0, i);
  }
  return s;
}

function replace(s: string, pattern: string, with_: string, all: boolean): string {
  if (pattern === "") return s;
  const re = new RegExp(globSource(pattern, true), all ? "g" : "");
  return s.replace(re, () => with_);
}

function slice(s: string, offset: number, length: number | undefined): string {
  const start = offset < 0 ? Math.max(0, s.length + offset) : offset;
  if (length === undefined) return s.slice(start);
  return length < 0 ? s.slice(start, s.length + length) : s.slice(start, start + length);
}

/** IFS whitespace, plus every character a script assigned to IFS (IFS=, makes "rm,-rf,/" three words). */
function splitter(env: ExpandEnv): RegExp {
  const assigned = env.lookup("IFS");
  if (!assigned) return /[ \t\n]+/;
  const chars = [...new Set(assigned.flatMap((v) => [...v.text]))].filter(
    (c) => !" \t\n".includes(c),
  );
  const extra = chars.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
  return new RegExp(`[ \\t\\n]+|[${extra}]`);
}

/** Builds fields: unquoted expansions split on IFS whitespace; literals and quoted text do not. */
function splitFields(parts: Part[], values: Value[], separators: RegExp): Value[] {
  // A lone <(...) is one path, which keeps what reading it gives.
  if (parts.length === 1 && parts[0]?.kind === "procsubst") return [values[0] as Value];
  const fields: Value[] = [];
  let cur: Value = { text: "", dynamic: false };
  let started = false;
  const flush = () => {
    if (started) fields.push(cur);
    cur = { text: "", dynamic: false };
    started = false;
  };
  const carry = (v: Value) => {
    if (v.dynamic && v.origin && !cur.origin) cur.origin = v.origin;
    if (v.many) cur.many = true;
  };
  parts.forEach((part, i) => {
    const v = values[i] as Value;
    cur.dynamic ||= v.dynamic;
    cur.taint = mergeTaint(cur.taint, v.taint);
    carry(v);
    const quoted = part.kind !== "procsubst" && part.quoted;
    if (part.kind === "lit" || (quoted && !v.fields)) {
      cur.text += v.text;
      started = true;
      return;
    }
    const pieces =
      quoted && v.fields ? v.fields : (v.fields?.join(" ") ?? v.text).split(separators);
    pieces.forEach((piece, k) => {
      if (k > 0) {
        flush();
        cur.dynamic = v.dynamic;
        cur.taint = v.taint;
        carry(v);
      }
      cur.text += piece;
      // Tainted unknown data keeps its field, so `eval $x` still shows what x came from.
      if (piece !== "" || quoted || v.taint) started = true;
    });
  });
  flush();
  const unknown = values.find((v) => v.dynamic);
  if (fields.length > 0 || !unknown) return fields;
  return [{ text: "", dynamic: true, vanished: true, ...unknownMarks(unknown) }];
}

/** What an unknown value keeps when it stands for fields not known: origin, taint, many. */
function unknownMarks(v: Value): Partial<Value> {
  return {
    ...(v.origin ? { origin: v.origin } : {}),
    ...(v.taint ? { taint: v.taint } : {}),
    ...(v.many ? { many: true } : {}),
  };
}
