// Free capacity and load thresholds of a node, from its last sample.
import { busyReasons } from "../cluster/health.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import type { Thresholds } from "./types.ts";

/**
 * Free cores, discounted by memory pressure: cores × (1 − min(1, load_1m / cores)) ×
 * (1 − (memory% / 100)²). The square keeps moderate memory use nearly free (50% → ×0.75) and
 * makes a swapping node unattractive (90% → ×0.19) however idle its CPUs are.
 * A Slurm partition's free capacity is its idle CPUs: the scheduler has already placed its load.
 */
export function freeCapacity(node: NodeSnapshot): number {
  if (node.sample?.slurm) return node.sample.slurm.cpus_idle;
  // Never sampled: a partition's size is unknown, so it promises one CPU.
  const cores = node.sample?.cores ?? node.config.cores ?? 1;
  if (!node.sample) return round2(cores);
  const loadShare = Math.min(1, Math.max(0, node.sample.load_1m) / cores);
  const memory = Math.min(100, Math.max(0, node.sample.memory_percent)) / 100;
  return round2(cores * (1 - loadShare) * (1 - memory * memory));
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

/** "8 cores, load 1.2, CPU 15%, memory 40%" */
export function describeLoad(node: NodeSnapshot): string {
  const s = node.sample;
  if (!s) return "no load sample";
  if (s.slurm)
    return `Slurm partition ${s.slurm.partition}: ${s.slurm.cpus_idle} of ${s.slurm.cpus_total} CPUs idle, ${s.slurm.jobs_pending} jobs pending`;
  return `${s.cores} cores, load ${s.load_1m}, CPU ${s.cpu_percent}%, memory ${s.memory_percent}%`;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
