// Rules on what keeps a machine running: services (ssh, networking), kernel modules and devices,
// mounts, the user's cron table, a disk filled by fallocate. Each is data: the programs, the verbs,
// and the objects that matter.
import type { Invocation } from "../shell/analysis.ts";
import { normalisePath } from "../shell/paths.ts";
import { resolveOperand } from "./paths.ts";
import type { RuleContext } from "./targets.ts";
import type { Refusal } from "./types.ts";
import { writeTargets } from "./writers.ts";

/** Units that keep the node reachable: stopped, disabled or masked, the cluster loses it. */
const CRITICAL_UNITS =
  /^(ssh|sshd|openssh(-server)?|ssh\.socket|NetworkManager|systemd-networkd|networking|network|wpa_supplicant|systemd-resolved|dbus|dbus-broker|systemd-logind|systemd-journald|systemd-udevd|getty@\S*|serial-getty@\S*|firewalld|cluster-exec)(\.service|\.socket)?$/;
const STOPPING_VERBS = /^(stop|disable|mask|kill|freeze)$/;

const SERVICE_TOOLS = /^(systemctl|service|rc-service|invoke-rc\.d|update-rc\.d|launchctl)$/;

export function systemServices(inv: Invocation): Refusal | undefined {
  if (!SERVICE_TOOLS.test(inv.name) && !/^\/etc\/(init\.d|rc\.d)\//.test(inv.argv[0] ?? ""))
    return undefined;
  const args = inv.argv.slice(1);
  const refuse = (unit: string): Refusal => ({
    rule: "system-services",
    message: `${[inv.name, ...args].join(" ")} stops ${unit}, which keeps the machine running or reachable`,
  });
  if (inv.name === "systemctl" && !args.includes("--user")) {
    const words = args.filter((a) => !a.startsWith("-"));
    if (!STOPPING_VERBS.test(words[0] ?? "")) return undefined;
    const unit = words.slice(1).find((u) => CRITICAL_UNITS.test(u));
    return unit ? refuse(unit) : undefined;
  }
  // service ssh stop, /etc/init.d/ssh stop, rc-service sshd stop, invoke-rc.d ssh stop
  const script = /^\/etc\/(init\.d|rc\.d)\//.test(inv.argv[0] ?? "") ? inv.name : undefined;
  if (inv.name === "service" || inv.name === "rc-service" || inv.name === "invoke-rc.d" || script) {
    const [unit, verb] = script ? [script, args[0]] : [args[0], args[1]];
    if (unit && /^(stop|disable|kill)$/.test(verb ?? "") && CRITICAL_UNITS.test(unit))
      return refuse(unit);
  }
  if (inv.name === "update-rc.d" && args[1] === "disable" && CRITICAL_UNITS.test(args[0] ?? ""))
    return refuse(args[0] as string);
  if (
    inv.name === "launchctl" &&
    /^(unload|bootout|disable|stop|remove)$/.test(args[0] ?? "") &&
    args.some((a) => /ssh/i.test(a))
  )
    return refuse("the ssh service");
  return undefined;
}

/** Kernel modules removed, devices detached through sysfs. */
export function kernelDevices(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  if (
    inv.name === "rmmod" ||
    (inv.name === "modprobe" && args.some((a) => /^-[a-zA-Z]*r|^--remove$/.test(a)))
  )
    return {
      rule: "kernel-devices",
      message: `${[inv.name, ...args].join(" ")} removes a kernel driver; a disk or network driver takes the machine down with it`,
    };
  const write = writeTargets(inv)
    .map((w) => normalisePath(w.path))
    .find((p) => /^\/sys\/.*\/(delete|remove|unbind)$/.test(p));
  if (write)
    return {
      rule: "kernel-devices",
      message: `writing to ${write} detaches a device (a disk or network card) from the machine`,
    };
  return undefined;
}

const MOUNT_AREA = /^\/(mnt|media|Volumes|tmp|run\/media)(\/|$)/;

/** The root, a system directory unmounted, remounted read-only, or mounted over. */
export function mounts(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (inv.name !== "mount" && inv.name !== "umount" && inv.name !== "umount2") return undefined;
  const args = inv.argv.slice(1);
  const operands = args.filter(
    (a, k) => !a.startsWith("-") && !/^(-o|-t|-O|--options|--types|-L|-U)$/.test(args[k - 1] ?? ""),
  );
  const refuse = (what: string): Refusal => ({
    rule: "mounts",
    message: `${[inv.name, ...args].join(" ")} ${what}`,
  });
  const system = (p: string) =>
    resolveOperand(inv, p, ctx.links).some(
      (r) => !MOUNT_AREA.test(r) && ctx.table.reason(r) !== undefined && !ctx.table.reason(r)?.home,
    );
  if (inv.name === "umount" || inv.name === "umount2") {
    if (args.some((a) => /^-[a-zA-Z]*[aA]|^--all$/.test(a)))
      return refuse("unmounts every filesystem");
    const target = operands.find(system);
    return target ? refuse(`unmounts ${target}, which the system runs from`) : undefined;
  }
  if (inv.name !== "mount") return undefined;
  const options = args
    .filter((a, k) => /^(-o|--options)$/.test(args[k - 1] ?? "") || a.startsWith("-o"))
    .join(",");
  if (/(^|,)remount(,|$)/.test(options) && /(^|,|-o)ro(,|$)/.test(options) && operands.some(system))
    return refuse("makes a system filesystem read-only");
  const mountpoint = operands.length >= 2 ? operands.at(-1) : undefined;
  if (mountpoint && !/(^|,)remount(,|$)/.test(options) && system(mountpoint))
    return refuse(`hides ${mountpoint} under another filesystem`);
  return undefined;
}

/** fallocate -l 10T f: a file that takes the whole disk at once. */
export function fallocateHuge(inv: Invocation): Refusal | undefined {
  if (inv.name !== "fallocate") return undefined;
  const args = inv.argv.slice(1);
  const at = args.findIndex((a) => a === "-l" || a === "--length");
  const raw =
    at >= 0
      ? args[at + 1]
      : (args.find((a) => a.startsWith("--length="))?.slice(9) ??
        args.find((a) => /^-l\d/.test(a))?.slice(2));
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)(i?B)?$/i.exec(raw ?? "");
  if (!m) return undefined;
  const size = Number(m[1]) * 1024 ** Math.max(0, " KMGTPE".indexOf((m[2] || " ").toUpperCase()));
  if (size < 100 * 2 ** 30) return undefined;
  return {
    rule: "fill-disk",
    message: `fallocate -l ${raw} reserves more than a disk usually has free, filling it at once`,
  };
}

/** crontab -r deletes the user's whole cron table, with no copy kept. */
export function crontabRemove(inv: Invocation): Refusal | undefined {
  if (inv.name !== "crontab" || !inv.argv.slice(1).some((a) => /^-[a-zA-Z]*r/.test(a)))
    return undefined;
  return {
    rule: "crontab-remove",
    message: `${inv.argv.join(" ")} deletes the whole cron table, with no copy kept`,
  };
}
