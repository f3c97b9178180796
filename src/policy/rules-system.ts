// Rules on the machine as a whole: power off, fork bombs, and code run unseen (decoded or downloaded).
import type { Analysis, Invocation } from "../routing/analysis.ts";
import { normalise } from "./paths.ts";
import { writeTargets } from "./rules-disks.ts";
import type { Refusal } from "./types.ts";

const POWER = new Set(["shutdown", "reboot", "halt", "poweroff"]);
const SYSTEMCTL_POWER = new Set(["poweroff", "reboot", "halt", "kexec", "soft-reboot"]);

export function powerOff(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  // echo b > /proc/sysrq-trigger reboots at once (o: power off, c: crash).
  if (writeTargets(inv).some((t) => normalise(t) === "/proc/sysrq-trigger"))
    return {
      rule: "power-off",
      message: "writing to /proc/sysrq-trigger can reboot, power off or crash the machine at once",
    };
  const stops =
    POWER.has(inv.name) ||
    ((inv.name === "init" || inv.name === "telinit") && (args[0] === "0" || args[0] === "6")) ||
    ((inv.name === "systemctl" || inv.name === "loginctl") &&
      args.some((a) => SYSTEMCTL_POWER.has(a)));
  if (!stops) return undefined;
  return {
    rule: "power-off",
    message: `${[inv.name, ...args].join(" ")} shuts down or restarts the machine`,
  };
}

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

export function hiddenCode(analysis: Analysis): Refusal | undefined {
  for (const code of analysis.dynamicCode) {
    const from = code.producer ? ` from ${code.producer}` : "";
    if (code.taint === "downloaded")
      return {
        rule: "remote-script",
        message: `${code.via} would run a downloaded script${from} without it being checked`,
      };
    if (code.taint === "decoded")
      return {
        rule: "decode-and-execute",
        message: `${code.via} would run decoded data${from} as code without it being checked`,
      };
  }
  return undefined;
}
