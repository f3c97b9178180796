// Sampling a Slurm partition from its submit host: one POSIX sh script (sinfo per node, squeue
// counts, the host's os/arch) and its parser. The partition's capacity is what Slurm says, not the
// submit host's load.
import { shellQuote } from "../shell/quote.ts";

export interface PartitionSample {
  partition: string;
  /** sinfo %a: up, down, drain, inact. */
  available: string;
  nodes: number;
  /** Nodes in a state that takes jobs (idle, mixed, allocated, completing), responding. */
  nodes_usable: number;
  cpus_allocated: number;
  cpus_idle: number;
  /** Down, drained or otherwise unavailable CPUs. */
  cpus_other: number;
  cpus_total: number;
  /** The most CPUs one node has: a job asking for more would queue forever. */
  max_node_cpus: number;
  /** Sum of the nodes' CPU load (sinfo %O); null when none reports one. */
  cpu_load: number | null;
  /** MB, summed over nodes that report them; null when unknown. */
  mem_total_mb: number | null;
  mem_free_mb: number | null;
  /** Node features (sinfo %f) of usable nodes; they count as capabilities. */
  features: string[];
  jobs_running: number;
  jobs_pending: number;
}

export interface SlurmProbe {
  partition: PartitionSample;
  hostname: string;
  os: string;
  arch: string;
}

/** One line per node of the partition: name|CPUs A/I/O/T|load|free MB|memory MB|features|state|avail. */
const SINFO_FORMAT = "%n|%C|%O|%e|%m|%f|%T|%a";

export function sinfoScript(partition: string): string {
  const p = shellQuote(partition);
  return [
    "echo @@sinfo",
    `sinfo -h -N -p ${p} -o ${shellQuote(SINFO_FORMAT)} 2>&1 || echo "@@failed sinfo exited $?"`,
    `echo @@running; squeue -h -p ${p} -t RUNNING -o %i 2>/dev/null | wc -l`,
    `echo @@pending; squeue -h -p ${p} -t PENDING -o %i 2>/dev/null | wc -l`,
    "echo @@os; uname -s",
    "echo @@arch; uname -m",
    "echo @@hostname; hostname 2>/dev/null || uname -n",
  ].join("\n");
}

const USABLE = /^(?:idle|mixed|allocated|completing|planned)$/;

export function parseSinfo(partition: string, stdout: string): SlurmProbe {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split("\n")) {
    const m = /^@@([a-z]+)$/.exec(line.trim());
    if (m) {
      current = [];
      sections.set(m[1] as string, current);
    } else current?.push(line);
  }
  const lines = (sections.get("sinfo") ?? []).filter((l) => l.trim() !== "");
  const failed = lines.find((l) => l.startsWith("@@failed"));
  if (failed || lines.some((l) => !l.includes("|")))
    throw new Error(
      `sinfo -p ${partition} failed: ${lines.filter((l) => !l.startsWith("@@")).join("; ") || failed}`,
    );
  if (lines.length === 0)
    throw new Error(`partition ${partition} has no nodes (or does not exist: see sinfo -s)`);
  const p: PartitionSample = {
    partition,
    available: "up",
    nodes: 0,
    nodes_usable: 0,
    cpus_allocated: 0,
    cpus_idle: 0,
    cpus_other: 0,
    cpus_total: 0,
    max_node_cpus: 0,
    cpu_load: null,
    mem_total_mb: null,
    mem_free_mb: null,
    features: [],
    jobs_running: count(sections.get("running")),
    jobs_pending: count(sections.get("pending")),
  };
  const features = new Set<string>();
  const seen = new Set<string>();
  for (const line of lines) {
    const [name, cpus, load, free, mem, feats, state, avail] = line.split("|");
    if (!name || seen.has(name)) continue; // a node listed twice (several states) counts once
    seen.add(name);
    const [a, i, o, t] = (cpus ?? "").split("/").map(Number);
    if (![a, i, o, t].every((n) => Number.isFinite(n)))
      throw new Error(`unreadable sinfo CPUs ${JSON.stringify(cpus)} for node ${name}`);
    p.nodes++;
    p.cpus_allocated += a as number;
    p.cpus_idle += i as number;
    p.cpus_other += o as number;
    p.cpus_total += t as number;
    p.max_node_cpus = Math.max(p.max_node_cpus, t as number);
    p.available = (avail ?? "up").trim() || "up";
    p.cpu_load = addNumber(p.cpu_load, load);
    p.mem_free_mb = addNumber(p.mem_free_mb, free);
    p.mem_total_mb = addNumber(p.mem_total_mb, mem);
    const usable = USABLE.test((state ?? "").trim());
    if (usable) {
      p.nodes_usable++;
      for (const f of (feats ?? "").split(","))
        if (f && f !== "(null)") features.add(f.trim().toLowerCase());
    }
  }
  if (p.cpu_load !== null) p.cpu_load = Math.round(p.cpu_load * 100) / 100;
  p.features = [...features].sort();
  const one = (k: string) => (sections.get(k) ?? []).join("\n").trim();
  return { partition: p, hostname: one("hostname"), os: one("os"), arch: one("arch") };
}

function count(lines: string[] | undefined): number {
  const n = Number((lines ?? []).join("").trim());
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function addNumber(sum: number | null, v: string | undefined): number | null {
  const n = Number((v ?? "").trim());
  if (v === undefined || v.trim() === "" || !Number.isFinite(n)) return sum;
  return (sum ?? 0) + n;
}
