// Short commands on the submit host (sbatch, scancel, a batch job's poll) through its executor,
// whatever transport that is: output collected whole, bounded in size and time.
import type { Executor } from "../exec/executor.ts";
import type { ExecOutcome } from "../exec/result.ts";

export interface ShortResult {
  code: number | null;
  stdout: Uint8Array;
  stderr: string;
  /** The executor's error: unreachable, connection lost, missing cwd... */
  error?: ExecOutcome["error"];
  timedOut: boolean;
}

/** More than any poll prints (two POLL_MAX_BYTES slices and a state line). */
const MAX_BYTES = 4 * 1024 * 1024;

export async function runShort(
  host: Executor,
  command: string,
  opts: { timeoutMs: number; cwd?: string; env?: Record<string, string>; signal?: AbortSignal },
): Promise<ShortResult> {
  const out: Uint8Array[] = [];
  let size = 0;
  const outcome = await host.run(
    {
      command,
      cwd: opts.cwd,
      env: opts.env,
      timeoutMs: opts.timeoutMs,
      outputLimit: 64 * 1024,
      killGraceMs: 1000,
      onOutput: (stream, chunk) => {
        if (stream !== "stdout" || size + chunk.length > MAX_BYTES) return;
        out.push(chunk);
        size += chunk.length;
      },
    },
    opts.signal,
  );
  return {
    code: outcome.exit_code,
    stdout: Buffer.concat(out),
    stderr: outcome.stderr,
    ...(outcome.error ? { error: outcome.error } : {}),
    timedOut: outcome.timed_out,
  };
}

/** One line saying why a short command failed, for error messages. */
export function shortFailure(what: string, r: ShortResult): string {
  if (r.error) return `${what}: ${r.error.message}`;
  if (r.timedOut) return `${what}: no answer in time`;
  const err = r.stderr.trim().split("\n").slice(-3).join("; ");
  return `${what} exited ${r.code ?? "by a signal"}${err ? `: ${err}` : ""}`;
}
