// Runs one RunSpec on an executor and records what onOutput saw: byte counts, a hash, the head.
// Shared by the in-process contract adapter and the exec harness, so both report the same shape.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { Executor, RunSpec } from "../../src/exec/executor.ts";
import type { ExecOutcome } from "../../src/exec/result.ts";

export interface RecordedRun {
  spec: Omit<RunSpec, "onOutput">;
  /** Cancel once stdout has contained this text. */
  cancelOn?: string;
  cancelAfterMs?: number;
  /** Each chunk is taken this long after it came (a slow reader: the executor's backpressure). */
  slowReaderMs?: number;
  /** Written with the run's process group id once the executor knows it (a test can wait on it). */
  groupFile?: string;
}

export interface Streamed {
  stdout: number;
  stderr: number;
  chunks: number;
  /** First 64 KiB of the raw stdout bytes, base64. */
  stdoutHead: string;
  stdoutSha256: string;
}

export interface RunAnswer {
  outcome: ExecOutcome;
  streamed: Streamed;
  ms: number;
}

const HEAD = 64 * 1024;

export async function runRecorded(exec: Executor, req: RecordedRun): Promise<RunAnswer> {
  const started = performance.now();
  const abort = new AbortController();
  const cancelTimer =
    req.cancelAfterMs === undefined
      ? undefined
      : setTimeout(() => abort.abort(), req.cancelAfterMs);
  const hash = createHash("sha256");
  const head: Uint8Array[] = [];
  let headLen = 0;
  const counts = { stdout: 0, stderr: 0, chunks: 0 };
  let seen = "";
  try {
    const outcome = await exec.run(
      {
        ...req.spec,
        ...(req.groupFile
          ? {
              onGroup: (g: { pgid: number; local: boolean }) =>
                writeFileSync(req.groupFile as string, String(g.pgid)),
            }
          : {}),
        onOutput: (stream, chunk) => {
          counts[stream] += chunk.length;
          counts.chunks++;
          const taken = req.slowReaderMs ? Bun.sleep(req.slowReaderMs) : undefined;
          if (stream !== "stdout") return taken;
          hash.update(chunk);
          if (headLen < HEAD) {
            head.push(chunk.slice(0, HEAD - headLen));
            headLen += Math.min(chunk.length, HEAD - headLen);
          }
          if (req.cancelOn && !abort.signal.aborted) {
            seen = (seen + new TextDecoder().decode(chunk)).slice(-4096);
            if (seen.includes(req.cancelOn)) abort.abort();
          }
          return taken;
        },
      },
      abort.signal,
    );
    return {
      outcome,
      streamed: {
        ...counts,
        stdoutHead: Buffer.concat(head).toString("base64"),
        stdoutSha256: hash.digest("hex"),
      },
      ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(cancelTimer);
  }
}
