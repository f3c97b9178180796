// Recognising this machine among the nodes: by name, or by an address that is one of its interfaces.
// No network I/O: the router and the executor factory call this on their hot path.
import os from "node:os";
import type { Config } from "../config/load.ts";

/**
 * How long one read of the interface list is reused. Every routing decision asks, for every node,
 * whether it is this machine; each read is a netlink round trip (~50 µs), too much per node there.
 */
const INTERFACES_TTL_MS = 2000;
let interfaces: { readAt: number; addresses: string[] } | undefined;

/** Every address of this machine's interfaces (loopback included), lower-cased. */
export function interfaceAddresses(): string[] {
  const now = performance.now();
  if (interfaces && now - interfaces.readAt < INTERFACES_TTL_MS) return [...interfaces.addresses];
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces()))
    for (const i of list ?? []) out.push(i.address.split("%")[0]?.toLowerCase() ?? "");
  interfaces = { readAt: now, addresses: out.filter(Boolean) };
  return [...interfaces.addresses];
}

export function isLocalAddress(address: string): boolean {
  return interfaceAddresses().includes(address.split("%")[0]?.toLowerCase() ?? "");
}

let host: { readAt: number; name: string } | undefined;

/** This machine's host name, read again at most every INTERFACES_TTL_MS (a syscall per call adds up). */
export function thisHostname(): string {
  const now = performance.now();
  if (!host || now - host.readAt >= INTERFACES_TTL_MS) host = { readAt: now, name: os.hostname() };
  return host.name;
}

/** Addresses the resolver found to be this machine's (name → address), learned in this process. */
const learned = new Map<string, string>();

export function rememberLocal(node: string, address: string): void {
  learned.set(node, address);
}

export interface LocalCheckOptions {
  hostname?: string;
  /** Extra knowledge: the node's cached resolved address, if the caller has it. */
  cachedAddress?: string;
  /** Also count what the resolver learned in this process (default true). */
  learned?: boolean;
}

/**
 * True when the node is this machine: its name or host is this machine's hostname (`.local`
 * and domain ignored), its configured ip is one of this machine's addresses, or the resolver
 * saw its name resolve to one of them. Such a node is run in-process, never over SSH.
 */
export function isLocalNode(name: string, config: Config, opts: LocalCheckOptions = {}): boolean {
  const node = config.nodes[name];
  if (!node) return false;
  const hostname = opts.hostname ?? thisHostname();
  if (sameHost(name, hostname) || sameHost(node.host, hostname)) return true;
  const known = [
    node.ip,
    opts.cachedAddress,
    opts.learned === false ? undefined : learned.get(name),
  ].filter((a): a is string => a !== undefined);
  return known.some(isLocalAddress);
}

/** The inventory's name for this machine, or undefined when it is not one of the nodes. */
export function findLocalNode(config: Config, opts: LocalCheckOptions = {}): string | undefined {
  const names = Object.keys(config.nodes);
  const hostname = opts.hostname ?? thisHostname();
  // Names first: a configured ip that happens to be ours must not beat an exact name match.
  return (
    names.find((n) => sameHost(n, hostname)) ??
    names.find((n) => isLocalNode(n, config, { hostname }))
  );
}

/** `Marcs-Mac-Studio.local` ≈ `marcs-mac-studio`; `box.example.com` ≈ `box` (a bare name). */
export function sameHost(a: string, b: string): boolean {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/\.$/, "")
      .replace(/\.local$/, "");
  const x = clean(a);
  const y = clean(b);
  if (x === "" || y === "") return false;
  if (x === y) return true;
  if (x.includes(".") && y.includes(".")) return false;
  return x.split(".")[0] === y.split(".")[0];
}
