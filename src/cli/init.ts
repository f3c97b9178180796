// `init [HOST...]`: probe hosts, write a commented configuration that passes `config check`.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { renderInitToml } from "../config/init-toml.ts";
import { configFilePath, loadConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { KnownHosts, knownHostsPath } from "../remote/host-keys.ts";
import { type HostOutcome, parseHost, pinKeys, probeHosts } from "../run/init.ts";
import { parseVerbArgs } from "./args.ts";
import { printJson, warn } from "./output.ts";

export const INIT_HELP = `Usage: cluster-exec [--config PATH] init [HOST...] [--user U] [--identity-file F] [--no-local] [--dry-run] [--force] [--json]

Writes a configuration from what the hosts say about themselves. Each HOST is an ~/.ssh/config alias
or [user@]host[:port]; it is reached as the configuration will reach it (ssh2, or OpenSSH where
\`ssh -G HOST\` needs it: ProxyJump, certificates, another HostName...) and probed for os, arch,
cores, memory and capabilities (docker, podman, kubectl, nvidia-smi → gpu, ollama, bwrap, slurm),
from which specialties are offered. Its host key is pinned under its node name and its fingerprint
printed. This machine is a node too (--no-local leaves it out). A host that cannot be reached or
refuses the key is reported by name with the reason; the others are still written.
The file is --config PATH, else $CLUSTER_CONFIG, else ~/.config/cluster-exec/cluster.toml.
  --user U            SSH user for every node ([defaults] user; default: the current user)
  --identity-file F   SSH key for every node ([defaults] identity_file)
  --no-local          do not add this machine as a node
  --dry-run           print the file that would be written; write and pin nothing
  --force             replace an existing file (the old one is kept as FILE.bak)
  --json              print {path, written, nodes, failed} (with --dry-run also toml) instead
Exit codes: 0 written; 1 some hosts failed (the others written) or none could be probed; 2 usage,
or the file exists (without --force).`;

export async function initVerb(argv: string[], configPath: string | undefined): Promise<number> {
  const { values, positionals } = parseVerbArgs("init", argv, {
    user: { type: "string" },
    "identity-file": { type: "string" },
    "no-local": { type: "boolean" },
    "dry-run": { type: "boolean" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) {
    console.log(INIT_HELP);
    return 0;
  }
  const dryRun = values["dry-run"] === true;
  const path = configFilePath(configPath);
  if (existsSync(path) && !values.force && !dryRun)
    throw new ClusterError(
      "USAGE",
      `init: ${path} exists; --force replaces it (keeping ${path}.bak), --dry-run shows what would be written`,
    );
  const specs = positionals.map(parseHost);
  const overrides: Record<string, string> = {};
  if (values.user) overrides.user = values.user;
  const base = loadConfig({ noFile: true, overrides });
  if (values["identity-file"]) base.settings.identity_file = values["identity-file"];

  const probe = await probeHosts(base, specs, { includeLocal: values["no-local"] !== true });
  const known = new KnownHosts(knownHostsPath(base.settings.state_dir));
  pinKeys(probe.hosts, known, false); // refuse a name pinned to another key before writing anything
  report(probe.hosts);
  const good = probe.hosts.flatMap((h) => (h.ok ? [h.node] : []));
  const failed = probe.hosts.filter((h) => !h.ok);
  const nodes = [...(probe.local ? [probe.local] : []), ...good];
  if (good.length === 0 && specs.length > 0) {
    warn("init: no host could be probed; nothing written");
    return 1;
  }
  const text = renderInitToml({
    nodes,
    user: values.user,
    identityFile: values["identity-file"],
    writtenAt: new Date().toISOString(),
    writtenOn: hostname(),
    knownHosts: known.path,
  });
  checkLoads(text);
  if (dryRun && !values.json) process.stdout.write(text);
  else if (!dryRun) {
    pinKeys(probe.hosts, known, true);
    writeAtomically(path, text);
  }
  if (values.json)
    await printJson({
      path,
      written: !dryRun,
      ...(dryRun ? { toml: text } : {}),
      nodes: nodes.map((n) => n.name),
      failed: failed.map((h) => ({ host: h.spec.given, ...(!h.ok ? h.error.toJSON() : {}) })),
    });
  else if (!dryRun)
    console.log(
      `wrote ${path}: ${nodes.length} node(s) (${nodes.map((n) => n.name).join(", ")})${failed.length ? `; ${failed.length} host(s) failed` : ""}\nnext: cluster-exec deploy, then cluster-exec cluster-status`,
    );
  return failed.length > 0 ? 1 : 0;
}

function report(hosts: HostOutcome[]): void {
  for (const h of hosts) {
    if (!h.ok) {
      warn(`init: ${h.spec.given}: ${h.error.code}: ${h.error.message}`);
      continue;
    }
    const n = h.node;
    const mem = n.memBytes ? `, ${(n.memBytes / 2 ** 30).toFixed(1)} GiB` : "";
    warn(
      `init: ${h.spec.given} → node ${n.name}: ${n.os}/${n.arch}, ${n.cores} cores${mem}, found ${n.detected.join(", ") || "nothing"}; ${n.reachedVia}; host key ${n.hostKey ?? "(not pinned)"}`,
    );
  }
}

/** The text passes what `config check` checks (the file that would be read), or nothing is written. */
function checkLoads(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), "cluster-exec-init-check-"));
  const probe = join(dir, "cluster.toml");
  writeFileSync(probe, text);
  try {
    loadConfig({ configPath: probe });
  } catch (err) {
    throw new ClusterError(
      "INTERNAL",
      `init wrote a configuration that does not load: ${(err as Error).message}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) copyFileSync(path, `${path}.bak`);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}
