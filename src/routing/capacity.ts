// Free capacity and load thresholds of a node, from its last sample and the runs in flight there.
// The one free-capacity formula: routing ranks by it, parallel_execute sizes its fan-out with it.
import { busyReasons } from "../cluster/health.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import type { Thresholds } from "./types.ts";

/** The node's cores: what it reported, else what its configuration says, else 1. */
export function coresOf(node: NodeSnapshot): number {
  return node.sample?.cores ?? node.config.cores ?? 1;
}

/**
 * Free cores, discounted by memory pressure, minus one slot per run in flight there:
 * cores × (1 − min(1, load_1m / cores)) × (1 − (memory% / 100)²) − running. The square keeps
 * moderate memory use nearly free (50% → ×0.75) and makes a swapping node unattractive (90% →
 * ×0.19) however idle its CPUs are. Runs in flight count on top of the sampled load: a load
 * average lags by a minute, so a batch placed at once would otherwise all see the same idle node
 * (a long run is then counted twice once the load catches up: a cautious error). Negative when
 * the node has more runs than free cores.
 * A Slurm partition's free capacity is its idle CPUs (the scheduler has placed its load already),
 * minus cpus_per_task for each run in flight there.
 */
export function freeCapacity(node: NodeSnapshot): number {
  return round2(sampledCapacity(node) - Math.max(0, node.running) * cpusPerRun(node));
}

/** CPUs one run takes: 1 on a machine, cpus_per_task on a Slurm partition. */
function cpusPerRun(node: NodeSnapshot): number {
  return node.config.kind === "slurm" ? (node.config.cpus_per_task ?? 1) : 1;
}

/** Runs the node holds at once: its cores, or a partition's CPUs over cpus_per_task. */
function slotsOf(node: NodeSnapshot): number {
  return Math.max(1, Math.floor(coresOf(node) / cpusPerRun(node)));
}

function sampledCapacity(node: NodeSnapshot): number {
  if (node.sample?.slurm) return node.sample.slurm.cpus_idle;
  const cores = coresOf(node);
  if (!node.sample) return cores;
  const loadShare = Math.min(1, Math.max(0, node.sample.load_1m) / cores);
  const memory = Math.min(100, Math.max(0, node.sample.memory_percent)) / 100;
  return cores * (1 - loadShare) * (1 - memory * memory);
}

/** Each run in flight takes one slot of the node's cores; a node with none left is full. */
export function hasFreeSlot(node: NodeSnapshot): boolean {
  return node.running < slotsOf(node);
}

/** "2 of 2 slots in use (runs in flight)" */
export function describeSlots(node: NodeSnapshot): string {
  const slots = slotsOf(node);
  return `${node.running} of ${slots} slot${slots === 1 ? "" : "s"} in use`;
}

/**
 * The thresholds a node's last sample is over, e.g. ["load 6.1 > 4"]; [] when under all. The same
 * rule as its health (cluster-status), so a node is never "healthy" there and busy here.
 */
export function overThresholds(node: NodeSnapshot, t: Thresholds): string[] {
  if (!node.sample) return [];
  return busyReasons(
    node.sample,
    {
      cpu_threshold: t.cpu_percent,
      load_threshold: t.load_1m,
      memory_threshold: t.memory_percent,
    },
    node.config.cpus_per_task,
  );
}

/** "8 cores, load 1.2, CPU 15%, memory 40%", plus "; 3 of 8 slots in use" with runs in flight. */
export function describeLoad(node: NodeSnapshot): string {
  const s = node.sample;
  const slots = node.running > 0 ? `; ${describeSlots(node)}` : "";
  if (!s) return `no load sample${slots}`;
  if (s.slurm)
    return `Slurm partition ${s.slurm.partition}: ${s.slurm.cpus_idle} of ${s.slurm.cpus_total} CPUs idle, ${s.slurm.jobs_pending} jobs pending${slots}`;
  return `${s.cores} cores, load ${s.load_1m}, CPU ${s.cpu_percent}%, memory ${s.memory_percent}%${slots}`;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
