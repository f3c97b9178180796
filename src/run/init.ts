// `init`: probe hosts over SSH (each reached as the finished config will reach it: ssh2, or
// OpenSSH where `ssh -G` says so) for os, arch, cores, memory and capabilities, and pin their host
// keys under the node names they get. Probing uses a scratch state directory; keys move to the
// real known_hosts only when the file is written.
import { mkdtempSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeLocal } from "../cluster/probe.ts";
import { parseRemoteProbe, remoteProbeScript } from "../cluster/remote-probe.ts";
import { type InitNode, offeredSpecialties } from "../config/init-toml.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { detectLocalFacts } from "../config/local-facts.ts";
import { NODE_NAME } from "../config/schema.ts";
import { ClusterError, toClusterError } from "../errors.ts";
import { fanOut } from "../exec/fan-out.ts";
import { fingerprint, KnownHosts, knownHostsPath, type PinnedKey } from "../remote/host-keys.ts";
import { resolverFor } from "../ssh/address.ts";
import { createTransports } from "./transports.ts";

export interface HostSpec {
  /** As given on the command line. */
  given: string;
  user?: string;
  host: string;
  port?: number;
}

/** `alias`, `host`, `user@host`, `user@host:port`, `[v6]:port`; USAGE naming the bad one. */
export function parseHost(given: string): HostSpec {
  const m = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*)(?::(\d{1,5}))?$/.exec(
    given,
  );
  const port = m?.[3] !== undefined ? Number(m[3]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535)))
    throw new ClusterError(
      "USAGE",
      `init: got host ${JSON.stringify(given)}, expected an ~/.ssh/config alias, a host name or address, user@host or user@host:port`,
    );
  const host = (m[2] as string).replace(/^\[(.*)\]$/, "$1");
  return { given, host, ...(m[1] ? { user: m[1] } : {}), ...(port ? { port } : {}) };
}

export type HostOutcome =
  | { ok: true; spec: HostSpec; node: InitNode; key?: PinnedKey; hostname: string }
  | { ok: false; spec: HostSpec; error: ClusterError };

export interface InitProbe {
  hosts: HostOutcome[];
  local?: InitNode;
}

/** Probes every host (a few at a time) and this machine; never throws for one host's failure. */
export async function probeHosts(
  base: Config,
  specs: HostSpec[],
  opts: { includeLocal: boolean; signal?: AbortSignal },
): Promise<InitProbe> {
  const scratch = mkdtempSync(join(tmpdir(), "cluster-exec-init-"));
  const nodes: Record<string, NodeConfig> = {};
  specs.forEach((s, i) => {
    const name = `init-${i}`;
    nodes[name] = {
      name,
      kind: "ssh",
      host: s.host,
      user: s.user ?? base.settings.user,
      port: s.port ?? base.settings.port,
      identity_file: base.settings.identity_file,
      binary_path: base.settings.binary_path,
      // Probing runs no sandbox; the written file leaves the level to [defaults].
      sandbox: "off",
      writable: [],
      transport: base.settings.transport,
      // Only what was given: an alias's User and Port come from the ssh config.
      explicit: { user: s.user !== undefined, port: s.port !== undefined },
      capabilities: [],
      specialties: [],
    };
  });
  const config: Config = {
    ...base,
    source: "cluster-exec init",
    settings: { ...base.settings, state_dir: scratch },
    nodes,
  };
  const transports = createTransports(config);
  const pins = new KnownHosts(knownHostsPath(scratch));
  const attemptMs = (base.settings.ssh_connect_timeout + base.settings.ssh_timeout + 10) * 1000;
  try {
    const hosts = await fanOut(specs.length, 8, async (i): Promise<HostOutcome> => {
      const spec = specs[i] as HostSpec;
      const node = nodes[`init-${i}`] as NodeConfig;
      try {
        const choice = await transports.choose(node);
        const r = await transports.remoteExec(node, remoteProbeScript(node.binary_path), {
          timeoutMs: attemptMs,
          signal: opts.signal ?? new AbortController().signal,
        });
        if (r.code !== 0)
          throw new ClusterError(
            "UNREACHABLE",
            `the probe exited ${r.code ?? "by signal"} there: ${r.stderr.trim().slice(0, 200)}`,
          );
        const { sample } = parseRemoteProbe(r.stdout);
        const resolved =
          choice.transport === "ssh2" ? resolverFor(config).peek(node.name)?.address : undefined;
        const key = pins.lookup(node.name);
        const detected = sample.capabilities ?? [];
        return {
          ok: true,
          spec,
          key,
          hostname: sample.hostname,
          node: {
            name: "",
            host: spec.host,
            ...(resolved && isIP(spec.host) === 0 ? { ip: resolved } : {}),
            ...(spec.user ? { user: spec.user } : {}),
            ...(spec.port ? { port: spec.port } : {}),
            os: sample.os,
            arch: sample.arch,
            cores: sample.cores,
            memBytes: sample.mem_total,
            detected,
            specialties: offeredSpecialties(detected, sample.cores),
            reachedVia:
              choice.transport === "openssh"
                ? `via openssh (${choice.address ?? choice.reason})`
                : "via ssh2",
            hostKey: key
              ? `${key.type} ${fingerprint(Buffer.from(key.base64, "base64"))}`
              : undefined,
          },
        };
      } catch (err) {
        return { ok: false, spec, error: toClusterError(err) };
      }
    });
    nameNodes(hosts);
    const local = opts.includeLocal ? await localNode() : undefined;
    if (local) dedupe([local.name], hosts);
    return { hosts, local };
  } finally {
    await transports.close().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A name from the host as given (an alias as is; a name's first label); for an address, the node's own. */
function nameNodes(hosts: HostOutcome[]): void {
  for (const h of hosts) {
    if (!h.ok) continue;
    const from = isIP(h.spec.host) !== 0 ? h.hostname || h.spec.host : h.spec.host;
    h.node.name = safeName(isIP(from) !== 0 ? `node-${from}` : (from.split(".")[0] ?? from));
  }
  dedupe([], hosts);
}

function dedupe(taken: string[], hosts: HostOutcome[]): void {
  const used = new Set(taken);
  for (const h of hosts) {
    if (!h.ok) continue;
    let name = h.node.name;
    for (let k = 2; used.has(name); k++) name = `${h.node.name}-${k}`;
    h.node.name = name;
    used.add(name);
  }
}

function safeName(s: string): string {
  const n = s
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63);
  return NODE_NAME.test(n) ? n : "node";
}

async function localNode(): Promise<InitNode> {
  const facts = detectLocalFacts();
  const s = await probeLocal();
  const detected = s.capabilities ?? [];
  return {
    name: safeName(facts.name),
    host: facts.hostname,
    os: s.os,
    arch: s.arch,
    cores: s.cores,
    memBytes: s.mem_total,
    detected,
    specialties: offeredSpecialties(detected, s.cores),
    local: true,
  };
}

/**
 * Moves each probed host's key into the real known_hosts under its node name. A name pinned to
 * another key already is refused (HOST_KEY_CHANGED), like any connection would be.
 */
export function pinKeys(hosts: HostOutcome[], known: KnownHosts, write: boolean): void {
  for (const [i, h] of hosts.entries()) {
    if (!h.ok || !h.key) continue;
    const blob = Buffer.from(h.key.base64, "base64");
    const v = known.check(h.node.name, blob);
    if (v.verdict === "changed") {
      const pinned = fingerprint(Buffer.from(v.pinned.base64, "base64"));
      hosts[i] = {
        ok: false,
        spec: h.spec,
        error: new ClusterError(
          "HOST_KEY_CHANGED",
          `${h.spec.given} presents ${h.key.type} ${fingerprint(blob)}, but ${known.path} pins ${v.pinned.type} ${pinned} for the name ${h.node.name}; \`cluster-exec forget-host ${h.node.name}\` if the key changed on purpose`,
        ),
      };
    } else if (v.verdict === "new" && write) known.pin(h.node.name, blob);
  }
}
