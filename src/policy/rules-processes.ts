// Rules on processes and power: kill -1 (every process), kill 1 (init), pkill/killall of root's
// processes or of what keeps the machine reachable (sshd, systemd...), shutdown and its kin.
import type { Invocation } from "../shell/analysis.ts";
import { normalisePath } from "../shell/paths.ts";
import type { Refusal } from "./types.ts";
import { writeTargets } from "./writers.ts";

const POWER = new Set(["shutdown", "reboot", "halt", "poweroff"]);
const SYSTEMCTL_POWER = new Set([
  "poweroff",
  "reboot",
  "halt",
  "kexec",
  "soft-reboot",
  "emergency",
  "rescue",
  "suspend",
  "hibernate",
  "hybrid-sleep",
  "suspend-then-hibernate",
]);
/** Targets that stop every service or the machine: isolating to them, or booting into them. */
const STOPPING_TARGETS =
  /^(poweroff|reboot|halt|kexec|rescue|emergency|shutdown|sleep|suspend|hibernate|runlevel[016])(\.target)?$/;

export function powerOff(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  // echo b > /proc/sysrq-trigger reboots at once (o: power off, c: crash); /sys/power/state sleeps.
  const trigger = writeTargets(inv)
    .map((w) => normalisePath(w.path))
    .find((p) => p === "/proc/sysrq-trigger" || p === "/sys/power/state");
  if (trigger)
    return {
      rule: "power-off",
      message: `writing to ${trigger} can reboot, power off, suspend or crash the machine at once`,
    };
  const systemctl = inv.name === "systemctl" || inv.name === "loginctl";
  const verb = args.find((a) => !a.startsWith("-"));
  const stops =
    (POWER.has(inv.name) && !args.some((a) => /^-[a-zA-Z]*[ck]|^--(cancel|show)$/.test(a))) ||
    ((inv.name === "init" || inv.name === "telinit") && /^[016sS]$/.test(args[0] ?? "")) ||
    (inv.name === "kexec" && args.some((a) => /^-[a-zA-Z]*[ef]|^--(exec|force)$/.test(a))) ||
    (systemctl && args.some((a) => SYSTEMCTL_POWER.has(a))) ||
    (systemctl &&
      (verb === "isolate" || verb === "set-default" || verb === "start") &&
      args.some((a) => STOPPING_TARGETS.test(a)));
  if (!stops) return undefined;
  return {
    rule: "power-off",
    message: `${[inv.name, ...args].join(" ")} shuts down, restarts or stops the machine`,
  };
}

/** What keeps a machine up and reachable: signalled away, the node is lost to the cluster. */
export const CRITICAL_PROCESSES = [
  "sshd",
  "sshd-session",
  "systemd",
  "init",
  "launchd",
  "dbus-daemon",
  "dbus-broker",
  "NetworkManager",
  "systemd-networkd",
  "systemd-logind",
  "systemd-journald",
  "systemd-udevd",
  "systemd-resolved",
  "wpa_supplicant",
  "dhclient",
  "dhcpcd",
  "agetty",
  "login",
  "cluster-exec",
];

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
const KILLERS = new Set(["kill", "killall5", "pkill", "killall", "pgrep", "loginctl"]);

export function killAll(inv: Invocation): Refusal | undefined {
  if (!KILLERS.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  if (inv.name === "killall5" && !args.some((a) => /^-(0|l)$/.test(a)))
    return {
      rule: "kill-all",
      message: "killall5 signals every process on the machine",
    };
  if (inv.name === "pkill" || inv.name === "killall" || inv.name === "pgrep")
    return killByName(inv);
  if (
    inv.name === "loginctl" &&
    args.some((a) =>
      /^(terminate-user|kill-user|terminate-seat|kill-session|terminate-session)$/.test(a),
    )
  )
    return {
      rule: "kill-all",
      message: `loginctl ${args.join(" ")} ends the sessions of a user, ssh ones included`,
    };
  if (inv.name !== "kill") return undefined;
  const parsed = killArgs(args);
  if (!parsed || parsed.signal === "0") return undefined;
  // kill $(pgrep sshd), kill $(pidof systemd-logind): the pids of a process the machine needs.
  const found = inv.args.find(
    (a) => a.dynamic && a.origin && /\b(pgrep|pidof)\b/.test(a.origin) && critical(a.origin),
  );
  if (found && !INIT_SAFE_SIGNALS.has(parsed.signal))
    return {
      rule: "kill-all",
      message: `kill ${found.origin} signals ${critical(found.origin ?? "")}, which keeps the machine up or reachable`,
    };
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

/** The critical process a pattern or command text names, if any. */
function critical(text: string): string | undefined {
  return CRITICAL_PROCESSES.find((p) =>
    new RegExp(
      `(^|[\\s/'"(])${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\.service)?($|[\\s'")])`,
    ).test(text),
  );
}

/** pkill / killall: every process of root, every process, or one the machine needs. */
function killByName(inv: Invocation): Refusal | undefined {
  if (inv.name === "pgrep") return undefined;
  const args = inv.argv.slice(1);
  const refuse = (what: string): Refusal => ({
    rule: "kill-all",
    message: `${[inv.name, ...args].join(" ")} ${what}`,
  });
  const patterns: string[] = [];
  let regex = inv.name === "pkill";
  let signal = "TERM";
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-s" || a === "--signal") signal = args[i + 1] ?? signal;
    else if (a.startsWith("--signal=")) signal = a.slice(9);
    else if (/^-([A-Z][A-Z0-9+]*|\d+)$/.test(a)) signal = a.slice(1);
    if (/^(-u|-U|--uid|--euid|--user|-G|--group)$/.test(a)) {
      const who = args[++i] ?? "";
      if (/^(root|0)$/.test(who))
        return refuse("signals every process of root, sshd and init included");
    } else if (
      /^(-s|--signal|-t|--ns|--nslist|-P|--parent|-g|--pgroup|-F|--pidfile|-o|--older-than|-y|--younger-than|-n)$/.test(
        a,
      )
    )
      i++;
    else if (a === "-r" || a === "--regexp") regex = true;
    else if (!a.startsWith("-") || a === "-") patterns.push(a);
  }
  // HUP, USR1, USR2, CONT, WINCH, 0: reload, report or check; nothing stops.
  if (/^(SIG)?(HUP|USR1|USR2|CONT|WINCH|0|1|10|12|18|28)$/i.test(signal)) return undefined;
  // pkill -u bob / killall -u bob with no pattern: every process of the user, sessions included.
  if (patterns.length === 0 && args.some((a) => /^(-u|-U|--uid|--euid|--user)$/.test(a)))
    return refuse("signals every process of that user, their ssh sessions included");
  for (const pattern of patterns) {
    const hit = CRITICAL_PROCESSES.find((name) => {
      if (!regex) return name === pattern;
      try {
        return new RegExp(pattern).test(name);
      } catch {
        return false;
      }
    });
    if (hit) return refuse(`signals ${hit}, which keeps the machine up or reachable`);
  }
  return undefined;
}
