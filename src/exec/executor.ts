// The executor boundary: one interface, adapters for local (Bun.spawn) and ssh (pooled ssh2).
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
  /**
   * The caller's directory and environment when it is not this process (a front of the
   * background process): used by the local executor only, for a run without cwd and as the
   * environment the command inherits. Remote executors ignore it (a node has its own).
   */
  local?: { cwd: string; env: Record<string, string> };
  /** Called with every chunk as it arrives, before capping; a returned promise applies backpressure. */
  onOutput?: (stream: OutputStream, chunk: Uint8Array) => void | Promise<void>;
}

export interface Executor {
  run(spec: RunSpec, signal?: AbortSignal): Promise<ExecOutcome>;
  close(): Promise<void>;
}
