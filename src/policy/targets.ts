// What a rule needs to judge the paths a command acts on: the protected-paths table, the links
// made in the line, and the verdict on each operand — protected, unresolved, or fine.
import type { Invocation, Link } from "../shell/analysis.ts";
import { isAnchored } from "../shell/paths.ts";
import { reachesFromUnknown, resolveOperand } from "./paths.ts";
import type { ProtectedPaths, Protection } from "./protected.ts";

export interface RuleContext {
  table: ProtectedPaths;
  links: readonly Link[];
}

export type TargetHit =
  | { kind: "protected"; path: string; protection: Protection }
  | { kind: "unresolved"; operand: string; why: string };

/**
 * The first operand (by its index in argv) that is protected, or — when `unknownIsRisk` — not
 * known before the command runs: a value from a variable or command we cannot see, or a path
 * like `*` or `..` in a directory we cannot see.
 */
export function judgeTargets(
  inv: Invocation,
  ctx: RuleContext,
  indices: readonly number[],
  unknownIsRisk: boolean,
): TargetHit | undefined {
  let unresolved: TargetHit | undefined;
  for (const i of indices) {
    const text = inv.argv[i] ?? "";
    const info = inv.args[i];
    if (text === "" && !info?.dynamic) continue; // rm "" fails: it names nothing
    if (info?.dynamic && text === "") {
      unresolved ??= { kind: "unresolved", operand: "a path", why: whyUnknown(info.origin) };
      continue;
    }
    for (const path of resolveOperand(inv, text, ctx.links)) {
      if (isAnchored(path)) {
        const protection = ctx.table.reason(path);
        if (protection) return { kind: "protected", path, protection };
      } else if (reachesFromUnknown(path))
        unresolved ??= {
          kind: "unresolved",
          operand: text,
          why: "in a directory not known before it runs (a cd went somewhere not written out)",
        };
    }
    if (info?.dynamic)
      unresolved ??= {
        kind: "unresolved",
        operand: `a path (known only as "${text}")`,
        why: whyUnknown(info.origin),
      };
  }
  return unknownIsRisk ? unresolved : undefined;
}

function whyUnknown(origin: string | undefined): string {
  return origin
    ? `that comes from ${origin}, not known before it runs`
    : "not known before it runs";
}

/** The standard advice of an `unresolved` refusal. */
export const WRITE_IT_OUT =
  "write the path out in the command (or set the variable in the same command line)";
