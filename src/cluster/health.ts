// Health of a node from its latest sample and sampling failures: pure, so the rules are testable.
import type { NodeConfig, Settings } from "../config/load.ts";
import type { LoadSample } from "./probe.ts";
import { partitionProblems } from "./slurm-sample.ts";

/** The one health vocabulary, shared with the router. */
export type NodeHealth = "healthy" | "degraded" | "unreachable" | "unknown";

export interface HealthInput {
  sample?: LoadSample;
  /** Consecutive failed attempts since the last good sample. */
  failures: number;
  lastError?: string;
  /** A slurm node's cpus_per_task: a partition whose nodes are all smaller cannot run its jobs. */
  cpusPerTask?: number;
}

export interface HealthVerdict {
  health: NodeHealth;
  /** Why: the thresholds exceeded, the error, or "never sampled". */
  reasons: string[];
}

type Thresholds = Pick<Settings, "cpu_threshold" | "load_threshold" | "memory_threshold">;

export function healthOf(input: HealthInput, t: Thresholds): HealthVerdict {
  if (input.failures > 0)
    return { health: "unreachable", reasons: [input.lastError ?? "sampling failed"] };
  if (!input.sample) return { health: "unknown", reasons: ["never sampled"] };
  // A partition that takes no job at all (down, no usable node) is as good as unreachable.
  const slurm = input.sample.slurm && partitionProblems(input.sample.slurm, input.cpusPerTask);
  if (slurm?.down) return { health: "unreachable", reasons: [slurm.down] };
  const reasons = busyReasons(input.sample, t, input.cpusPerTask);
  return { health: reasons.length ? "degraded" : "healthy", reasons };
}

/**
 * Each threshold the sample is over, e.g. "cpu 55% > 40%". A Slurm partition is busy when no CPU
 * is idle (a job would queue), whatever its nodes' load: the thresholds are one machine's.
 */
export function busyReasons(s: LoadSample, t: Thresholds, cpusPerTask?: number): string[] {
  if (s.slurm) return partitionProblems(s.slurm, cpusPerTask).busy;
  const out: string[] = [];
  if (s.cpu_percent > t.cpu_threshold) out.push(`cpu ${s.cpu_percent}% > ${t.cpu_threshold}%`);
  if (s.load_1m > t.load_threshold) out.push(`load ${s.load_1m} > ${t.load_threshold}`);
  if (s.memory_percent > t.memory_threshold)
    out.push(`memory ${s.memory_percent}% > ${t.memory_threshold}%`);
  return out;
}

export const MAX_BACKOFF_MS = 60_000;

/** Delay before the next attempt after `failures` consecutive failures: interval × 2^(n−1), capped. */
export function backoffMs(failures: number, intervalMs: number): number {
  if (failures <= 0) return intervalMs;
  return Math.min(intervalMs * 2 ** (failures - 1), Math.max(MAX_BACKOFF_MS, intervalMs));
}

/** Static facts the node reported that contradict its configuration (warnings, not errors). */
export function factMismatches(node: NodeConfig, s: LoadSample): string[] {
  const out: string[] = [];
  if (s.slurm) return out; // a partition's os/arch are its submit host's, its cores are its CPUs
  if (node.os && node.os !== s.os) out.push(`configured os ${node.os}, node reports ${s.os}`);
  if (node.arch && node.arch !== s.arch)
    out.push(`configured arch ${node.arch}, node reports ${s.arch}`);
  if (node.cores && node.cores !== s.cores)
    out.push(`configured cores ${node.cores}, node reports ${s.cores}`);
  return out;
}
