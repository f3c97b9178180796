// Rules on the network: firewall changes that drop everything, interfaces taken down, addresses
// and routes removed, and shells handed to a network connection (nc -e, socat EXEC:).
import type { Invocation } from "../shell/analysis.ts";
import type { Refusal } from "./types.ts";

const IPTABLES = /^(ip6?tables(-nft|-legacy)?|ebtables|arptables)$/;

/** Firewall changes that drop everything (and so the cluster's ssh with it). */
const FIREWALLS = /^(ip6?tables(-nft|-legacy)?|ebtables|arptables|nft|ufw|firewall-cmd|pfctl)$/;
const NETWORK_TOOLS = /^(ip|ifconfig|ifdown|networkctl|nmcli|dhclient|rfkill)$/;

export function firewallLockout(inv: Invocation): Refusal | undefined {
  if (!FIREWALLS.test(inv.name)) return undefined;
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
  if (!NETWORK_TOOLS.test(inv.name)) return undefined;
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

/** nc -e /bin/sh, ncat --sh-exec, socat TCP:... EXEC:sh: a shell served over the network. */
export function reverseShell(inv: Invocation): Refusal | undefined {
  if (inv.name !== "socat" && !/^(nc|ncat|netcat|nc\.traditional|nc\.openbsd)$/.test(inv.name))
    return undefined;
  const args = inv.argv.slice(1);
  const refuse = (): Refusal => ({
    rule: "reverse-shell",
    message: `${[inv.name, ...args].join(" ")} hands a program (a shell) to a network connection: whoever is at the other end runs commands here`,
  });
  if (
    /^(nc|ncat|netcat|nc\.traditional|nc\.openbsd)$/.test(inv.name) &&
    args.some((a) => /^-[a-zA-Z]*[ec]$|^--(exec|sh-exec|lua-exec)\b/.test(a))
  )
    return refuse();
  if (inv.name === "socat") {
    const addresses = args
      .filter((a) => !a.startsWith("-") || /^-$/.test(a))
      .map((a) => a.toUpperCase());
    const runs = addresses.some((a) => /^(EXEC|SYSTEM):/.test(a));
    const network = addresses.some((a) =>
      /^(TCP|UDP|SCTP|OPENSSL|SSL|SOCKS|PROXY|TCP4|TCP6|UDP4|UDP6|TCP-LISTEN|UDP-LISTEN|OPENSSL-LISTEN)[-:A-Z0-9]*:/.test(
        a,
      ),
    );
    if (runs && network) return refuse();
  }
  return undefined;
}
