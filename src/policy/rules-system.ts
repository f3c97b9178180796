// Rules on the machine as a whole that no single program shows: fork bombs (a function starting
// copies of itself, code forking in a loop, an endless loop of background jobs), output without
// end written to a file, and a shell driven from a network connection.
import type { Analysis } from "../shell/analysis.ts";
import type { Refusal } from "./types.ts";

/**
 * A function that, directly or through other functions, starts itself more than once at a time
 * (in a pipeline or in the background): `:(){ :|:& };:` in any spelling.
 */
export function forkBomb(analysis: Analysis): Refusal | undefined {
  const defined = new Set(analysis.functions);
  const calls = new Map<string, Set<string>>();
  const spawns: [string, string][] = [];
  for (const inv of analysis.invocations) {
    const caller = inv.functions.at(-1);
    if (!caller || !defined.has(inv.name)) continue;
    if (!calls.has(caller)) calls.set(caller, new Set());
    calls.get(caller)?.add(inv.name);
    if (inv.piped || inv.background) spawns.push([caller, inv.name]);
  }
  for (const [caller, callee] of spawns) {
    if (reaches(calls, callee, caller))
      return {
        rule: "fork-bomb",
        message: `function ${caller} starts copies of itself without end (fork bomb)`,
      };
  }
  return undefined;
}

function reaches(calls: Map<string, Set<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const f = stack.pop() as string;
    if (f === to) return true;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(calls.get(f) ?? []));
  }
  return false;
}

const HAZARD_RULES: Record<Analysis["hazards"][number]["kind"], [string, string]> = {
  "fork-loop": [
    "fork-bomb",
    "processes are started without end until the machine stops responding",
  ],
  "endless-output": [
    "fill-disk",
    "it writes until the disk (or memory, for /dev/shm and /tmp) is full",
  ],
  "reverse-shell": [
    "reverse-shell",
    "a shell driven from a network connection hands the machine to whoever is at the other end",
  ],
};

export function hazards(analysis: Analysis): Refusal | undefined {
  const h = analysis.hazards[0];
  if (!h) return undefined;
  const [rule, why] = HAZARD_RULES[h.kind];
  return { rule, message: `${h.detail}: ${why}` };
}
