// The executor boundary: one interface, adapters for local (Bun.spawn), ssh (pooled ssh2) and
// slurm (srun / sbatch through a submit host's executor).
import type { SandboxSpec } from "../sandbox/levels.ts";
import type { ExecOutcome } from "./result.ts";

export type OutputStream = "stdout" | "stderr";

/**
 * A batch job that a scheduler keeps without us (Slurm): enough to find it again, its state and
 * its output files, from another process after this one is gone.
 */
export interface JobRef {
  scheduler: "slurm";
  /** The inventory node (the partition) it was submitted to. */
  node: string;
  partition: string;
  job_id: string;
  /** Output files on the submit host. */
  stdout_path: string;
  stderr_path: string;
  /** The scheduler's last known state (PENDING, RUNNING, COMPLETED...). */
  state?: string;
  /** How many times a new runner took the job over (the task store's count). */
  adoptions?: number;
}

export interface BatchOptions {
  /** Told when the job exists (before it runs) and again whenever its state changes. */
  onJob?: (job: JobRef) => void;
  /** Watch this job instead of submitting a new one (the task's runner was replaced). */
  resume?: JobRef;
}

export interface RunSpec {
  /** A shell command line, run by bash (or sh) -c. */
  command: string;
  cwd?: string;
  timeoutMs: number;
  /** Bytes kept per stream (head + tail). */
  outputLimit: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Extra environment on top of the inherited one (local) or exported first (remote). */
  env?: Record<string, string>;
  /**
   * The caller's directory and environment when it is not this process (a front of the
   * background process): used by the local executor only, for a run without cwd and as the
   * environment the command inherits. Remote executors ignore it (a node has its own).
   */
  local?: { cwd: string; env: Record<string, string> };
  /** Run inside the OS sandbox at this level; undefined: not sandboxed. */
  sandbox?: SandboxSpec;
  /**
   * Called once the run's process group is known (before any output), so that whoever records the
   * run can find and kill the group should its owner die: `local` when it is on this machine.
   */
  onGroup?: (group: { pgid: number; local: boolean }) => void;
  /** Called with every chunk as it arrives, before capping; a returned promise applies backpressure. */
  onOutput?: (stream: OutputStream, chunk: Uint8Array) => void | Promise<void>;
  /** The run's task id; a backend that names its jobs uses it (Slurm: ce-<task_id>). */
  taskId?: string;
  /**
   * A background task: a backend with a batch system submits it there (sbatch) and the job
   * outlives this process; the others ignore it and run the command as usual.
   */
  batch?: BatchOptions;
}

export interface Executor {
  run(spec: RunSpec, signal?: AbortSignal): Promise<ExecOutcome>;
  close(): Promise<void>;
}
