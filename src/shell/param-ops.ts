// Parameter expansion operators on known values: ${x:-w} ${x:+w} ${x:?m} ${x#p} ${x%p} ${x/p/w}
// ${x:o:l} ${x^^} ${x,,}, and over "$@" each field (or the list, for ${@:o:l}).
import type { Value } from "./analysis.ts";
import { combine } from "./combine.ts";
import type { ExpandEnv } from "./expand-env.ts";
import { globSource } from "./glob.ts";
import type { ParamOp, Word } from "./shell-ast.ts";

type Expand = (word: Word, env: ExpandEnv) => Value[];
const UNKNOWN: Value = { text: "", dynamic: true };

export function eachField(v: Value, op: ParamOp, env: ExpandEnv, expand: Expand): Value[] {
  const fields = v.fields ?? [];
  if (op.kind === "slice") {
    // ${@:2:1} slices the list, not each word.
    const [offset, length] = [op.offset, op.length].map((w) =>
      w ? Number(expand(w, env)[0]?.text.trim()) : undefined,
    );
    if (!Number.isInteger(offset) || (length !== undefined && !Number.isInteger(length)))
      return [UNKNOWN];
    const start = Math.max(0, (offset as number) - 1);
    const kept = fields.slice(start, length === undefined ? undefined : start + length);
    return [{ ...v, text: kept.join(" "), fields: kept }];
  }
  const perField = fields.map((text) =>
    applyOp("@", [{ text, dynamic: v.dynamic, taint: v.taint }], op, env, expand),
  );
  return combine(perField).map((fs) => ({
    text: fs.map((f) => f.text).join(" "),
    fields: fs.map((f) => f.text),
    dynamic: v.dynamic || fs.some((f) => f.dynamic),
    taint: v.taint,
  }));
}

export function applyOp(
  name: string,
  scalars: Value[],
  op: ParamOp,
  env: ExpandEnv,
  expand: Expand,
): Value[] {
  const text = (w: Word) => expand(w, env);
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
