// The executor boundary: one interface, adapters for local (Bun.spawn) and ssh (pooled ssh2).
import type { SandboxSpec } from "../sandbox/levels.ts";
import type { ExecOutcome } from "./result.ts";

export type OutputStream = "stdout" | "stderr";

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
  /** Run inside the OS sandbox at this level; undefined: not sandboxed. */
  sandbox?: SandboxSpec;
  /**
   * Called once the run's process group is known (before any output), so that whoever records the
   * run can find and kill the group should its owner die: `local` when it is on this machine.
   */
  onGroup?: (group: { pgid: number; local: boolean }) => void;
  /** Called with every chunk as it arrives, before capping; a returned promise applies backpressure. */
  onOutput?: (stream: OutputStream, chunk: Uint8Array) => void | Promise<void>;
}

export interface Executor {
  run(spec: RunSpec, signal?: AbortSignal): Promise<ExecOutcome>;
  close(): Promise<void>;
}
