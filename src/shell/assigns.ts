// Assignments of a simple command: `x=1 y=2` (kept), `X=1 cmd` (for cmd only), arrays, a[i]=v,
// x+=v, and `declare -n r=p` (a nameref).
import type { Value } from "./analysis.ts";
import { type ExpandEnv, expandText, expandWord } from "./expand.ts";
import type { Scope } from "./scope.ts";
import type { Command } from "./shell-ast.ts";
import { appendTo, arrayValue, setElement } from "./values.ts";

/** Applies the assignments; returns the ones for this command only (none when there are none). */
export function applyAssigns(
  cmd: Command & { kind: "simple" },
  env: ExpandEnv,
  scope: Scope,
  setVar: (name: string, values: Value[]) => void,
): Map<string, Value[]> | undefined {
  const persistent = cmd.words.length === 0 || cmd.declaration;
  const nameref = cmd.declaration && cmd.words.some((w) => /^-[a-zA-Z]*n/.test(w.source));
  let assigned: Map<string, Value[]> | undefined;
  for (const assign of cmd.assigns) {
    const values = assign.array
      ? arrayValue(assign.values.map((w) => expandWord(w, env)))
      : assign.values.flatMap((w) => expandText(w, env));
    if (!assign.name) continue;
    if (nameref) {
      for (const v of values) if (!v.dynamic) scope.nameref(assign.name, v.text);
      continue;
    }
    if (!persistent) {
      assigned ??= new Map();
      assigned.set(assign.name, values);
      continue;
    }
    const old = scope.get(assign.name);
    setVar(
      assign.name,
      assign.index
        ? setElement(old, expandText(assign.index, env)[0]?.text ?? "", values)
        : assign.append
          ? appendTo(old, values)
          : values,
    );
  }
  return assigned;
}
