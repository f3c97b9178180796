// The ssh executor: runs a RunSpec on a node over the pool, with local.ts's semantics (process
// group, caps, timeout/cancel/leftover kill, exact exit code or signal, one result shape).

import { withTimeout } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { type ErrorCode, toClusterError } from "../errors.ts";
import type { Executor, OutputStream, RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { paceGarbage } from "../exec/memory.ts";
import { type ExecOutcome, endedOutcome, notStartedOutcome } from "../exec/result.ts";
import { stopTrigger } from "../exec/stop-trigger.ts";
import { badEnvName, buildRemoteCommand, MarkReader } from "../remote/remote-command.ts";
import type { SshPool } from "./pool.ts";
import type { ExitStatus, RemoteProcess } from "./remote-process.ts";

export interface SshExecutorOptions {
  /** Close the pool with the executor (the executor created it). */
  ownsPool?: boolean;
}

export function createSshExecutor(
  node: NodeConfig,
  pool: SshPool,
  opts: SshExecutorOptions = {},
): Executor {
  return {
    run: (spec, signal) => runRemote(node, pool, spec, signal),
    close: async () => {
      if (opts.ownsPool) await pool.close();
    },
  };
}

export async function runRemote(
  node: NodeConfig,
  pool: SshPool,
  spec: RunSpec,
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const started = performance.now();
  const badEnv = badEnvName(spec.env);
  if (badEnv)
    return notStarted(
      started,
      "SPAWN_FAILED",
      `env ${JSON.stringify(badEnv)}: not a shell variable name`,
    );
  if (signal?.aborted) return { ...notStarted(started), canceled: true };
  let remote: RemoteProcess;
  try {
    remote = await pool.exec(node, buildRemoteCommand(spec), "run", signal);
  } catch (err) {
    if ((err as Error).name === "AbortError") return { ...notStarted(started), canceled: true };
    const e = toClusterError(err);
    return notStarted(started, e.code, e.message);
  }
  return watch(node, pool, remote, spec, signal, started);
}

/** Bound on every wait that depends on the node answering (kill channel, channel close). */
function answerBoundMs(pool: SshPool, spec: RunSpec): number {
  return spec.killGraceMs + pool.opts.connectTimeoutMs + 2 * pool.opts.handshakeTimeoutMs + 1000;
}

async function watch(
  node: NodeConfig,
  pool: SshPool,
  remote: RemoteProcess,
  spec: RunSpec,
  signal: AbortSignal | undefined,
  started: number,
): Promise<ExecOutcome> {
  const { channel, closed } = remote;
  channel.end(); // EOF on stdin: the command reads nothing, as locally (stdin ignored)
  const out = new CappedOutput(spec.outputLimit);
  const err = new CappedOutput(spec.outputLimit);
  const marks = new MarkReader();
  let callbackError: unknown;
  let exit: ExitStatus | undefined;
  let pgidKnown: (pgid: number | undefined) => void = () => {};
  const pgid = new Promise<number | undefined>((r) => (pgidKnown = r));

  const deliver = (name: OutputStream, chunk: Uint8Array, stream: NodeJS.ReadableStream) => {
    if (chunk.length === 0) return;
    paceGarbage(chunk.length);
    (name === "stdout" ? out : err).push(chunk);
    try {
      const r = spec.onOutput?.(name, chunk);
      if (r instanceof Promise) {
        stream.pause(); // backpressure: ssh2 stops widening the window, the node stops sending
        r.catch((e: unknown) => (callbackError ??= e)).finally(() => stream.resume());
      }
    } catch (e) {
      callbackError ??= e;
    }
  };
  const onMark = () => {
    const m = marks.mark;
    pgidKnown(m?.kind === "pgid" ? m.pgid : undefined);
  };
  channel.on("data", (chunk: Buffer) => {
    const had = marks.mark;
    const rest = marks.push(chunk);
    if (!had && marks.mark) onMark();
    deliver("stdout", rest, channel);
  });
  channel.on("end", () => {
    deliver("stdout", marks.flush(), channel);
    onMark();
  });
  channel.stderr.on("data", (chunk: Buffer) => deliver("stderr", chunk, channel.stderr));
  let stopping: Promise<void> | undefined;
  let stopRequested: () => void = () => {};
  const stopRequest = new Promise<void>((r) => (stopRequested = r));
  const kill = () => {
    stopping ??= (async () => {
      const pg = await withTimeout(pgid, answerBoundMs(pool, spec));
      if (pg === undefined) return; // no status line: nothing we could address safely
      await killGroup(node, pool, pg, spec.killGraceMs, answerBoundMs(pool, spec));
    })();
    return stopping;
  };
  const stop = () => {
    void kill();
    stopRequested();
  };
  void remote.exited.then((status) => {
    exit = status;
    // Leftovers of its group would outlive the run: they are killed (a no-op for an empty group,
    // the common case). The result does not wait for that answer unless they hold the channel
    // open; the pool finishes the kill even when it is closed meanwhile.
    const leftovers = kill();
    pool.track(leftovers);
    // A channel still open past the kill and a bound is closed from this side.
    void leftovers.then(() => withTimeout(closed, answerBoundMs(pool, spec))).then(stopRequested);
  });
  const trigger = stopTrigger(spec.timeoutMs, signal, () => !exit, stop);

  try {
    // Normally: exit (leftover kill sent) → close. After a timeout or cancel the channel must
    // close within a bound, else it is closed from this side. A close without an exit status is
    // a lost connection.
    await Promise.race([closed, stopRequest]);
    if (stopping && !exit) {
      await stopping;
      await withTimeout(closed, answerBoundMs(pool, spec));
    }
  } finally {
    trigger.dispose();
    channel.removeAllListeners("data");
    channel.stderr.removeAllListeners("data");
    channel.close();
  }
  if (callbackError !== undefined) throw callbackError;
  const base = endedOutcome(out, err, started, trigger);
  if (marks.mark?.kind === "nocwd")
    return {
      ...base,
      exit_code: null,
      signal: null,
      error: {
        code: "SPAWN_FAILED",
        message: `cwd ${JSON.stringify(spec.cwd)}: no such directory on ${node.name}`,
      },
    };
  if (!exit) {
    const pg =
      marks.mark?.kind === "pgid" ? ` (process group ${marks.mark.pgid} on ${node.name})` : "";
    return {
      ...base,
      exit_code: null,
      signal: null,
      error: {
        code: "CONNECTION_LOST",
        message: `connection to ${node.name} lost while the command was running; its outcome is unknown and it may still be running${pg}`,
      },
    };
  }
  return { ...base, exit_code: exit.code, signal: exit.signal };
}

/** Kills a process group on the node (TERM, grace, KILL), never waiting longer than `boundMs`. */
export async function killGroup(
  node: NodeConfig,
  pool: SshPool,
  pgid: number,
  graceMs: number,
  boundMs: number,
): Promise<void> {
  const abort = new AbortController();
  const work = pool
    .killGroup(node, pgid, graceMs, abort.signal)
    .then(() => true)
    .catch(() => true); // a node we cannot reach has nothing we could kill
  if ((await withTimeout(work, boundMs)) === undefined) abort.abort();
}

function notStarted(started: number, code?: ErrorCode, message?: string): ExecOutcome {
  const ms = Math.round(performance.now() - started);
  return notStartedOutcome(ms, code ? { code, message: message ?? code } : undefined);
}
