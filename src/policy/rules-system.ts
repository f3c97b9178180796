// Rules on the machine as a whole: power off, fork bombs, and code run unseen (decoded or downloaded).
import type { Analysis, Invocation } from "../shell/analysis.ts";
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

/** Signals that leave init running: 0 (exists?), HUP (re-read its configuration), USR1/USR2. */
const INIT_SAFE_SIGNALS = new Set(["0", "1", "HUP", "USR1", "USR2"]);

/**
 * kill [-SIG | -s SIG | -n NUM] [--] PID...: the signal (TERM by default), the pids, or undefined
 * when nothing is sent (kill -l, kill -L, kill -p only print).
 */
function killArgs(args: string[]): { signal: string; pids: string[] } | undefined {
  let signal = "TERM";
  let explicit = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      i++;
      break;
    }
    if (/^(-[lLp]|--(list|table|pid))/.test(a)) return undefined;
    if (a === "-s" || a === "-n" || a === "--signal") {
      signal = args[++i] ?? signal;
      explicit = true;
    } else if (a.startsWith("--signal=")) {
      signal = a.slice("--signal=".length);
      explicit = true;
    } else if (a === "-q" || a === "--queue") i++;
    else if (a === "--timeout") i += 2;
    // The first -WORD is the signal; after it, -N is a process group (kill -9 -1).
    else if (!explicit && /^-[A-Za-z0-9+]+$/.test(a)) {
      signal = a.slice(1);
      explicit = true;
    } else break;
  }
  return { signal: signal.toUpperCase().replace(/^SIG/, ""), pids: args.slice(i) };
}

/** kill -1 signals every process the user may signal; kill 1 stops init (or a container). */
export function killAll(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  if (inv.name === "killall5" && !args.some((a) => /^-(0|l)$/.test(a)))
    return {
      rule: "kill-all",
      message: "killall5 signals every process on the machine",
    };
  if (inv.name !== "kill") return undefined;
  const parsed = killArgs(args);
  if (!parsed || parsed.signal === "0") return undefined;
  const pid = (p: string) => (/^-?\d+$/.test(p) ? Number(p) : undefined);
  if (parsed.pids.some((p) => pid(p) === -1))
    return {
      rule: "kill-all",
      message: `kill -${parsed.signal} -1 signals every process the user may signal, the shell and sshd included`,
    };
  if (parsed.pids.some((p) => pid(p) === 1) && !INIT_SAFE_SIGNALS.has(parsed.signal))
    return {
      rule: "kill-all",
      message: `kill -${parsed.signal} 1 signals init (pid 1): the machine, or the container, goes down`,
    };
  return undefined;
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
