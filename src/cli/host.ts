// Where a verb runs: in this process (its own stdout, stderr, signals and a runtime made for the
// call), or inside the per-user background process on behalf of a thin front (the front's streams
// over the socket, its Ctrl-C as a cancel frame, the warm shared runtime). Verbs ask currentHost().
import { AsyncLocalStorage } from "node:async_hooks";
import { once } from "node:events";
import type { Config } from "../config/load.ts";
import type { Runtime, RuntimeOptions } from "../run/runtime.ts";
import type { SpawnRunner } from "../tasks/detach.ts";

export type StreamName = "stdout" | "stderr";

export interface Host {
  /** Writes with backpressure; throws when the reader went away (EPIPE). */
  write(stream: StreamName, chunk: Uint8Array | string): Promise<void>;
  /** A line on stderr that must never fail (warnings). */
  warn(line: string): void;
  /** Aborted by Ctrl-C, SIGTERM or SIGHUP of the caller. */
  cancel(): AbortSignal;
  /** A runtime for this config: warm and shared in the background process, made for the call here. */
  runtime(config: Config, opts: RuntimeOptions): Promise<{ rt: Runtime; release(): Promise<void> }>;
  /** Runtimes are the background process's shared, warm ones. */
  shared: boolean;
  /** performance.now() when the caller started (budgets such as status_timeout count from it). */
  startedAt: number;
  /** How a background task's runner is started (in the caller's directory and environment). */
  spawnRunner?: SpawnRunner;
  /** The caller's own working directory and environment: where a command run on this machine runs. */
  local?: { cwd: string; env: Record<string, string> };
}

const storage = new AsyncLocalStorage<Host>();

export function currentHost(): Host {
  return storage.getStore() ?? processHost;
}

/** Runs `fn` with `host` as the current host (the background process, per request). */
export function withHost<T>(host: Host, fn: () => Promise<T>): Promise<T> {
  return storage.run(host, fn);
}

let processCancel: AbortController | undefined;

/** This process: its own streams and signals; runtimes made per call and closed after it. */
export const processHost: Host = {
  async write(stream, chunk) {
    const s = stream === "stdout" ? process.stdout : process.stderr;
    if (s.write(chunk)) return;
    if (s.errored) throw s.errored;
    await once(s, "drain"); // rejects when the stream fails meanwhile
  },
  warn(line) {
    try {
      process.stderr.write(line);
    } catch {
      // EPIPE: nobody to tell
    }
  },
  cancel() {
    if (!processCancel) {
      const c = new AbortController();
      processCancel = c;
      for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => c.abort());
    }
    return processCancel.signal;
  },
  async runtime(config, opts) {
    const { createRuntime } = await import("../run/runtime.ts");
    const rt = createRuntime(config, opts);
    return { rt, release: () => rt.close() };
  },
  shared: false,
  startedAt: 0,
};
