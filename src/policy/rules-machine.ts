// Rules on what keeps a machine running and reachable: services (ssh, networking), the firewall,
// network interfaces and routes, kernel modules and devices, mounts, and the user's cron table.
// Each is data: the programs, the verbs, and the objects that matter.
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

export function systemServices(inv: Invocation): Refusal | undefined {
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

const IPTABLES = /^(ip6?tables(-nft|-legacy)?|ebtables|arptables)$/;

/** Firewall changes that drop everything (and so the cluster's ssh with it). */
export function firewallLockout(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  const refuse = (what: string): Refusal => ({
    rule: "firewall-lockout",
    message: `${[inv.name, ...args].join(" ")} ${what}, which can cut the machine off, ssh included`,
  });
  if (IPTABLES.test(inv.name)) {
    const policy = args.findIndex((a) => a === "-P" || a === "--policy");
    if (policy >= 0 && /^(DROP|REJECT)$/i.test(args[policy + 2] ?? ""))
      return refuse("drops every packet by default");
    if (args.some((a) => a === "-F" || a === "--flush" || /^-[a-zA-Z]*F$/.test(a)))
      return refuse("flushes the firewall rules");
    const adds = args.some((a) => /^(-A|-I|--append|--insert)$/.test(a));
    const drops = args.some(
      (a, k) => /^(-j|--jump)$/.test(args[k - 1] ?? "") && /^(DROP|REJECT)$/i.test(a),
    );
    const selective = args.some((a) =>
      /^(-p|--protocol|-s|--source|--src|-d|--destination|--dst|--dport|--sport|--dports|--sports|-i|--in-interface|-o|--out-interface|-m|--match)$/.test(
        a,
      ),
    );
    if (adds && drops && !selective) return refuse("drops every packet");
    return undefined;
  }
  if (inv.name === "nft") {
    const text = args.join(" ");
    if (/\bflush\s+(ruleset|table|chain)\b|\bdelete\s+(table|chain)\b/.test(text))
      return refuse("removes firewall rules");
    if (
      /\bpolicy\s+drop\b/.test(text) ||
      (/\badd\s+rule\b/.test(text) &&
        /\bdrop\b/.test(text) &&
        !/\b(dport|sport|saddr|daddr|iif|oif)\b/.test(text))
    )
      return refuse("drops every packet");
    return undefined;
  }
  if (inv.name === "ufw") {
    const text = args.filter((a) => !a.startsWith("--")).join(" ");
    if (
      /^default (deny|reject)( incoming)?$/.test(text) ||
      text === "reset" ||
      /^(deny|reject)( in)? (22|ssh|OpenSSH)(\/tcp)?$/i.test(text)
    )
      return refuse("blocks incoming connections");
    return undefined;
  }
  if (
    inv.name === "firewall-cmd" &&
    args.some((a) => /^--(panic-on|set-default-zone=(drop|block)|remove-service=ssh)/.test(a))
  )
    return refuse("blocks incoming connections");
  if (inv.name === "pfctl" && args.some((a) => /^-[a-zA-Z]*F/.test(a)))
    return refuse("flushes the packet filter");
  return undefined;
}

/** ip OBJECT COMMAND: unique prefixes count (ip l s eth0 down, ip a f dev eth0, ip r d default). */
const prefix = (word: string | undefined, full: string, min = 1) =>
  word !== undefined && word.length >= min && full.startsWith(word);

/** Interfaces taken down, addresses and routes removed: the node drops off the network. */
export function networkDown(inv: Invocation): Refusal | undefined {
  const args = inv.argv.slice(1);
  const refuse = (what: string): Refusal => ({
    rule: "network-down",
    message: `${[inv.name, ...args].join(" ")} ${what}, which cuts the machine off the network`,
  });
  if (inv.name === "ip") {
    const words = args.filter(
      (a, k) => !a.startsWith("-") && !/^-(n|netns|b|batch|rc|rcvbuf)$/.test(args[k - 1] ?? ""),
    );
    const [object, command] = words;
    const link = prefix(object, "link");
    const addr = prefix(object, "address") || prefix(object, "addr");
    const route = prefix(object, "route") || prefix(object, "r");
    if (link && prefix(command, "set") && words.includes("down"))
      return refuse("takes an interface down");
    if (link && prefix(command, "delete", 1) && words.length > 2)
      return refuse("deletes an interface");
    if ((addr || route) && (prefix(command, "flush", 1) || prefix(command, "delete", 1)))
      return refuse(addr ? "removes addresses" : "removes routes");
    return undefined;
  }
  if (inv.name === "ifconfig" && args.includes("down")) return refuse("takes an interface down");
  if (
    inv.name === "ifdown" ||
    (inv.name === "networkctl" && /^(down|reconfigure)$/.test(args[0] ?? ""))
  )
    return refuse("takes an interface down");
  if (inv.name === "nmcli") {
    const words = args.filter((a) => !a.startsWith("-"));
    const [object, command, arg] = words;
    if (prefix(object, "networking") && command === "off") return refuse("turns networking off");
    if (prefix(object, "radio") && words.includes("off")) return refuse("turns the radios off");
    if (prefix(object, "connection", 1) && prefix(command, "down"))
      return refuse("takes a connection down");
    if (
      prefix(object, "device", 1) &&
      (prefix(command, "disconnect") ||
        prefix(command, "down") ||
        (prefix(command, "delete") && arg))
    )
      return refuse("disconnects a device");
  }
  if (
    (inv.name === "dhclient" && args.some((a) => a === "-r" || a === "-x")) ||
    (inv.name === "rfkill" && args[0] === "block")
  )
    return refuse("releases the address or blocks the radio");
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

/** crontab -r deletes the user's whole cron table, with no copy kept. */
export function crontabRemove(inv: Invocation): Refusal | undefined {
  if (inv.name !== "crontab" || !inv.argv.slice(1).some((a) => /^-[a-zA-Z]*r/.test(a)))
    return undefined;
  return {
    rule: "crontab-remove",
    message: `${inv.argv.join(" ")} deletes the whole cron table, with no copy kept`,
  };
}
