// Word expansion as the shell does it, as far as it is statically known: parameters, $(...), IFS
// field splitting, brace expansion. A variable may hold several possible values (assigned in
// branches or loops); every combination is produced, so a check sees each possible command.
import { mergeTaint, type Value } from "./analysis.ts";
import { evaluateArithmetic } from "./arith.ts";
import { combine } from "./combine.ts";
import type { ExpandEnv } from "./expand-env.ts";
import { expandBraces } from "./glob.ts";
import { applyOp, eachField } from "./param-ops.ts";
import type { ParamOp, Part, Word } from "./shell-ast.ts";

/** Beyond this many combinations we take each value at least once instead of every mix. */
const _MAX_COMBINATIONS = 64;
const _MAX_ALTERNATIVES = 256;
const UNKNOWN: Value = { text: "", dynamic: true };
const PLACEHOLDER = 0xe000;

/** Every possible argument list of a simple command. */
export type { ExpandEnv };
export { combine };

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
  const origin =
    name === "RUNTIME_VALUE" ? "a value computed by the interpreter's code" : `$${name}`;
  return [fallback ?? { ...UNKNOWN, origin }];
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
      ? base.flatMap((v) =>
          v.fields ? eachField(v, op, env, expandText) : applyOp(name, [v], op, env, expandText),
        )
      : base;
  // $a on an array is its first element.
  const scalars = base.map((v) => (v.fields ? pick(v, v.fields[0]) : v));
  return op ? applyOp(name, scalars, op, env, expandText) : scalars;
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

function pick(v: Value, text: string | undefined): Value {
  return { text: text ?? "", dynamic: v.dynamic, taint: v.taint };
}
