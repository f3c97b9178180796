// Which resolved addresses may stand for a remote node: pure, so every rejection has a named reason.
import { isIP } from "node:net";

export type RejectReason =
  | "not an IP address"
  | "unspecified"
  | "loopback"
  | "link-local"
  | "docker bridge"
  | "multicast";

export type AddressVerdict = { ok: true } | { ok: false; reason: RejectReason };

/**
 * Accepts an address for a remote node, or names why it cannot be one. A remote node behind
 * loopback, link-local or docker's default bridge would be this machine or a container on it,
 * never the machine the configuration means.
 */
export function checkRemoteAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 4) return checkV4(v4Octets(address));
  if (family === 6) return checkV6(address);
  return { ok: false, reason: "not an IP address" };
}

function checkV4(o: number[]): AddressVerdict {
  const [a = 0, b = 0] = o;
  if (o.every((n) => n === 0)) return { ok: false, reason: "unspecified" };
  if (a === 127) return { ok: false, reason: "loopback" };
  if (a === 169 && b === 254) return { ok: false, reason: "link-local" };
  if (a === 172 && b === 17) return { ok: false, reason: "docker bridge" };
  if (a >= 224 && a <= 239) return { ok: false, reason: "multicast" };
  return { ok: true };
}

function checkV6(address: string): AddressVerdict {
  const words = v6Words(address);
  if (words.every((w) => w === 0)) return { ok: false, reason: "unspecified" };
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1)
    return { ok: false, reason: "loopback" };
  // IPv4-mapped (::ffff:a.b.c.d): judge the IPv4 address inside.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const hi = words[6] ?? 0;
    const lo = words[7] ?? 0;
    return checkV4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  }
  const first = words[0] ?? 0;
  if ((first & 0xffc0) === 0xfe80) return { ok: false, reason: "link-local" };
  if ((first & 0xff00) === 0xff00) return { ok: false, reason: "multicast" };
  return { ok: true };
}

function v4Octets(address: string): number[] {
  return address.split(".").map(Number);
}

/** Eight 16-bit words of a valid IPv6 address (zone id dropped, embedded IPv4 expanded). */
export function v6Words(address: string): number[] {
  let text = address.split("%")[0] ?? "";
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Octets(v4[1] as string);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => Number.parseInt(h, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}
