// The cluster_status report (SPEC shape, plus detail) and its human table, both from NodeViews.
// A Slurm partition is shown like a node: its CPUs as cores, the allocated share as CPU %, and its
// queue beside.
import type { PartitionSample } from "../slurm/sinfo.ts";
import { versionInfo } from "../version.ts";
import { mergeCapabilities } from "./capabilities.ts";
import type { NodeView } from "./view.ts";

export interface NodeStatus {
  /** ssh: a machine; slurm: a partition reached through its submit host. */
  kind: "ssh" | "slurm";
  status: NodeView["health"];
  cpu_percent: number | null;
  memory_percent: number | null;
  load_1m: number | null;
  cores: number | null;
  os: string | null;
  arch: string | null;
  /** What routing matches: the configured capabilities and those detected on the node. */
  capabilities: string[];
  /** What runs there can be sandboxed with (bwrap, sandbox-exec, none), as last probed; null: not known yet. */
  sandbox: string | null;
  /** The node's configured sandbox level (a run may only tighten it). */
  sandbox_level: string;
  address: string | null;
  resolved_via: string | null;
  /** ISO time of the sample shown. */
  sampled_at: string | null;
  // Beyond the SPEC's fields:
  sample_age_s: number | null;
  load_5m: number | null;
  load_15m: number | null;
  mem_total: number | null;
  /** local (in-process), probe (`cluster-exec probe` on the node) or script (POSIX fallback). */
  method: string | null;
  /** How the node was probed, in words: in-process, the cluster-exec at a path, or the POSIX script. */
  probe_via: string | null;
  /** The node's cluster-exec version (from its probe); null when it has none or was not probed. */
  version: string | null;
  version_commit: string | null;
  /** The node's cluster-exec is another version or build than this one; null: unknown. */
  version_differs: boolean | null;
  /** The step that first produced a cached address: mdns, dns or fallback. */
  address_source: string | null;
  address_age_s: number | null;
  /** Every resolution step and its outcome (rejected answers included). */
  resolution: string | null;
  is_local: boolean;
  /** local, ssh2 or openssh (null until decided), and why. */
  transport: string | null;
  transport_reason: string | null;
  /** up (runs go through the node's resident agent), unavailable, starting, unknown, off; null: local. */
  agent: string | null;
  agent_detail: string | null;
  running: number;
  /** As written in the configuration. */
  capabilities_configured: string[];
  /** Found by the node's probe (tools on its PATH, devices); null when it was never probed. */
  capabilities_detected: string[] | null;
  specialties: string[];
  reasons: string[];
  last_error: string | null;
  warnings: string[];
  /** kind = "slurm": the partition's CPUs and queue from sinfo/squeue, and where jobs are submitted. */
  slurm: (PartitionSample & { submit_host: string }) | null;
}

export interface StatusReport {
  local_node: string | null;
  nodes: Record<string, NodeStatus>;
}

/** This program's version and commit, what each node's is compared with. */
export interface SelfVersion {
  version: string;
  commit: string;
}

export function statusReport(
  views: NodeView[],
  now = Date.now(),
  self: SelfVersion = versionInfo(),
): StatusReport {
  const nodes: Record<string, NodeStatus> = {};
  for (const v of views) {
    const s = v.sample;
    const program = v.isLocal ? self : s?.cluster_exec;
    nodes[v.name] = {
      kind: v.config.kind,
      status: v.health,
      cpu_percent: s?.cpu_percent ?? null,
      memory_percent: s?.memory_percent ?? null,
      load_1m: s?.load_1m ?? null,
      // What the node said, else what the configuration says.
      cores: s?.cores ?? v.config.cores ?? null,
      os: s?.os ?? v.config.os ?? null,
      arch: s?.arch ?? v.config.arch ?? null,
      capabilities: mergeCapabilities(v.config.capabilities, v.detected),
      sandbox: s?.sandbox ?? null,
      sandbox_level: v.config.sandbox,
      address: v.address ?? null,
      resolved_via: v.resolved_via,
      sampled_at: s ? new Date(s.sampled_at).toISOString() : null,
      sample_age_s: s ? Math.max(0, Math.round((now - s.sampled_at) / 100) / 10) : null,
      load_5m: s?.load_5m ?? null,
      load_15m: s?.load_15m ?? null,
      mem_total: s?.mem_total ?? null,
      method: v.method ?? null,
      probe_via: probeVia(v),
      version: program?.version ?? null,
      version_commit: program?.commit ?? null,
      version_differs: program ? differs(program, self) : null,
      address_source: v.address_source,
      address_age_s: v.address_age_s ?? null,
      resolution: v.resolution ?? null,
      is_local: v.isLocal,
      transport: v.transport?.transport ?? null,
      transport_reason: v.transport?.reason ?? null,
      agent: v.agent?.state ?? null,
      agent_detail: v.agent?.detail ?? null,
      running: v.running,
      capabilities_configured: v.config.capabilities,
      capabilities_detected: v.detected ?? null,
      specialties: v.config.specialties,
      reasons: v.reasons,
      last_error: v.health === "unreachable" ? (v.last_error ?? v.reasons?.[0] ?? null) : null,
      warnings: v.warnings,
      slurm:
        v.config.kind === "slurm"
          ? ({ ...(s?.slurm ?? {}), submit_host: v.config.host } as NodeStatus["slurm"])
          : null,
    };
  }
  return { local_node: views.find((v) => v.isLocal)?.name ?? null, nodes };
}

function probeVia(v: NodeView): string | null {
  if (v.isLocal) return "in-process";
  if (v.method === "probe") return `cluster-exec ${v.via ?? "on the PATH"}`;
  if (v.method === "script")
    return `POSIX script (no cluster-exec at ${v.config.binary_path} or on the PATH)`;
  return null;
}

/** Another version, or another build of it where both builds are known. */
export function differs(node: SelfVersion, self: SelfVersion): boolean {
  if (node.version !== self.version) return true;
  const known = (c: string) => c !== "dev" && c !== "unknown" && c !== "";
  return known(node.commit) && known(self.commit) && node.commit !== self.commit;
}

const HEADERS = [
  "NODE",
  "STATUS",
  "CPU%",
  "MEM%",
  "LOAD",
  "CORES",
  "OS/ARCH",
  "CAPABILITIES",
  "VERSION",
  "SANDBOX",
  "TRANSPORT",
  "ADDRESS (VIA)",
  "AGE",
  "LAST ERROR / NOTES",
];

/** One row per node; columns padded, the last one free. */
export function statusTable(report: StatusReport): string {
  const rows = Object.entries(report.nodes).map(([name, n]) => [
    name + (n.is_local ? " *" : ""),
    n.status,
    num(n.cpu_percent),
    num(n.memory_percent),
    num(n.load_1m),
    num(n.cores),
    `${n.os ?? "?"}/${n.arch ?? "?"}`,
    capabilityCell(n),
    versionCell(n),
    sandbox(n),
    (n.transport ?? "-") + (n.agent === "up" ? "+agent" : ""),
    address(n),
    n.sample_age_s === null ? "-" : age(n.sample_age_s),
    notes(n),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const footer = report.local_node
    ? `* this machine (${report.local_node}): sampled in-process, never over SSH`
    : "this machine is not one of the nodes";
  const why = Object.entries(report.nodes)
    .filter(([, n]) => n.transport && n.transport !== "local" && n.transport_reason)
    .flatMap(([name, n]) => [
      `transport of ${name}: ${n.transport} (${n.transport_reason})`,
      ...(n.agent && n.agent !== "off" ? [`agent of ${name}: ${n.agent}: ${n.agent_detail}`] : []),
    ]);
  const detected = Object.values(report.nodes).some((n) =>
    n.capabilities.some((c) => !n.capabilities_configured.includes(c)),
  );
  const legend = detected
    ? ["+capability: detected on the node (its PATH or devices), not configured"]
    : [];
  return [line(HEADERS), ...rows.map(line), footer, ...legend, ...why].join("\n");
}

/** Configured capabilities as written, then the detected-only ones marked with "+". */
function capabilityCell(n: NodeStatus): string {
  const configured = n.capabilities_configured.map((c) => c.toLowerCase());
  const extra = n.capabilities.filter((c) => !configured.includes(c)).map((c) => `+${c}`);
  return [...n.capabilities_configured, ...extra].join(",") || "-";
}

function versionCell(n: NodeStatus): string {
  if (n.version === null) return "-";
  return n.version_differs ? `${n.version} (differs)` : n.version;
}

/** "bwrap", or with a level set: "bwrap, workspace" ("?" when the node was not probed yet). */
function sandbox(n: NodeStatus): string {
  const tool = n.sandbox ?? "?";
  return n.sandbox_level === "off" ? tool : `${tool}, ${n.sandbox_level}`;
}

function address(n: NodeStatus): string {
  if (n.is_local) return "local";
  if (n.slurm && !n.address) return `submit: ${n.slurm.submit_host}`;
  if (!n.address) return "-";
  if (n.resolved_via === "ssh_config") return `${n.address} (ssh config)`;
  if (n.resolved_via === "cache")
    return `${n.address} (cache: ${n.address_source ?? "?"}, ${age(n.address_age_s ?? 0)})`;
  return `${n.address} (${n.resolved_via ?? "?"})`;
}

function notes(n: NodeStatus): string {
  const parts: string[] = [];
  if (n.slurm?.cpus_total !== undefined) parts.push(queue(n.slurm));
  if (n.last_error) parts.push(n.last_error);
  else if (n.status === "degraded" && !n.slurm) parts.push(n.reasons.join(", "));
  for (const w of n.warnings) parts.push(`warning: ${w}`);
  return parts.join("; ") || "-";
}

/** "partition debug: 2/2 CPUs allocated, 0 idle; 1 running, 3 pending" */
function queue(p: PartitionSample): string {
  return `partition ${p.partition}${p.available !== "up" ? ` (${p.available})` : ""}: ${p.cpus_allocated}/${p.cpus_total} CPUs allocated, ${p.cpus_idle} idle; ${p.jobs_running} running, ${p.jobs_pending} pending`;
}

function num(v: number | null): string {
  return v === null ? "-" : String(v);
}

export function age(s: number): string {
  if (s < 60) return `${Math.round(s * 10) / 10}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
