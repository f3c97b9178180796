// A Slurm partition as a load sample: sinfo's counts in the shape every node has (cores = its CPUs,
// CPU% = allocated share), the partition's own figures kept beside for routing and cluster-status.
import { type PartitionSample, parseSinfo, sinfoScript } from "../slurm/sinfo.ts";
import { type LoadSample, round1 } from "./probe.ts";
import { archFromUname, osFromUname } from "./remote-probe.ts";

export { sinfoScript };

export function parseSlurmSample(partition: string, stdout: string): LoadSample {
  const probe = parseSinfo(partition, stdout);
  const p = probe.partition;
  const memOk =
    p.mem_total_mb !== null && p.mem_free_mb !== null && p.mem_free_mb <= p.mem_total_mb;
  // sinfo's %O is each node's 1-minute load: the partition's load is their sum.
  const load = p.cpu_load ?? p.cpus_allocated;
  return {
    hostname: probe.hostname,
    os: osFromUname(probe.os),
    arch: archFromUname(probe.arch),
    cores: p.cpus_total,
    load_1m: load,
    load_5m: load,
    load_15m: load,
    cpu_percent: round1((100 * p.cpus_allocated) / Math.max(1, p.cpus_total)),
    memory_percent: memOk
      ? round1(100 * (1 - (p.mem_free_mb as number) / Math.max(1, p.mem_total_mb as number)))
      : 0,
    mem_total: memOk ? (p.mem_total_mb as number) * 1024 * 1024 : 0,
    // Node features are the partition's detected capabilities (routing matches them).
    capabilities: p.features,
    slurm: p,
  };
}

/**
 * Why a partition cannot take a job now: unreachable-like when it takes none at all (down, no
 * usable node), busy when no CPU is idle (a job would wait in the queue).
 */
export function partitionProblems(
  p: PartitionSample,
  cpusPerTask = 1,
): { down?: string; busy: string[] } {
  const name = `partition ${p.partition}`;
  if (p.available !== "up") return { down: `${name} is ${p.available}`, busy: [] };
  if (p.nodes_usable === 0)
    return { down: `${name} has no usable node (${p.nodes} down, drained or failing)`, busy: [] };
  if (cpusPerTask > p.max_node_cpus)
    return {
      down: `cpus_per_task ${cpusPerTask} > ${p.max_node_cpus} CPUs of the largest node of ${name}: a job would wait forever`,
      busy: [],
    };
  const busy: string[] = [];
  if (p.cpus_idle < cpusPerTask)
    busy.push(
      `no idle CPUs (${p.cpus_allocated}/${p.cpus_total} allocated, ${p.jobs_pending} pending)`,
    );
  return { busy };
}
