// The ssh executor: runs a RunSpec on a node over the pool, with local.ts's semantics (process
// group, caps, timeout/cancel/leftover kill, exact exit code or signal, one result shape).

import { withTimeout } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { type ErrorCode, toClusterError } from "../errors.ts";
import type { Executor, OutputStream, RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { paceGarbage } from "../exec/memory.ts";
import { type ExecOutcome, endedOutcome, notStartedOutcome } from "../exec/result.ts";
import { fromWrappedStatus } from "../exec/signals.ts";
import { stopTrigger } from "../exec/stop-trigger.ts";
import { badEnvName, buildRemoteCommand, MarkReader } from "../remote/remote-command.ts";
import { refusalMessage } from "../sandbox/paths.ts";
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
    // The wait for a free session is bounded by the command's timeout (NODE_BUSY after it).
    remote = await pool.exec(node, buildRemoteCommand(spec), "run", signal, {
      sessionDeadline: started + spec.timeoutMs,
    });
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
  // ssh2 emits the channel's close once stdout has ended, not stderr: stderr paused for
  // backpressure may still hold data then. Its end (or close) says everything was delivered.
  const stderrDone = new Promise<void>((r) => {
    channel.stderr.once("end", r);
    channel.stderr.once("close", r);
  });
  let channelClosed = false;
  void closed.then(() => (channelClosed = true));
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
    if (m?.kind === "pgid") spec.onGroup?.({ pgid: m.pgid, local: false });
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
  // Whether the node confirmed that the group is gone: undefined until a kill was tried.
  let confirmed: boolean | undefined;
  let stopping: Promise<void> | undefined;
  let stopRequested: () => void = () => {};
  const stopRequest = new Promise<void>((r) => (stopRequested = r));
  const kill = () => {
    stopping ??= (async () => {
      const pg = await withTimeout(pgid, answerBoundMs(pool, spec));
      if (pg === undefined) return; // no status line: nothing we could address safely
      confirmed = await killGroup(node, pool, pg, spec.killGraceMs, answerBoundMs(pool, spec));
    })();
    return stopping;
  };
  const stop = () => {
    void kill();
    stopRequested();
  };
  void remote.exited.then((status) => {
    exit = status;
    // Inside bubblewrap leftovers die with its PID namespace already (see local.ts).
    const m = marks.mark;
    if (m?.kind === "pgid" && m.wrapped) return;
    // Leftovers of its group would outlive the run: they are killed (a no-op for an empty group,
    // the common case). The result does not wait for that answer unless they hold the channel
    // open; the pool finishes the kill even when it is closed meanwhile.
    const leftovers = kill();
    pool.track(leftovers);
    // A channel still open past the kill and a bound is closed from this side.
    void leftovers.then(() => withTimeout(closed, answerBoundMs(pool, spec))).then(stopRequested);
  });
  // The timeout is a deadline from the call: time spent connecting or waiting for a session
  // is not given again (a caller waits at most its timeout, then the kill).
  const left = Math.max(0, started + spec.timeoutMs - performance.now());
  const trigger = stopTrigger(left, signal, () => !exit, stop);

  try {
    // Normally: exit (leftover kill sent) → close. After a timeout or cancel the channel must
    // close within a bound, else it is closed from this side. A close without an exit status is
    // a lost connection.
    await Promise.race([closed, stopRequest]);
    if (stopping && !exit) {
      await stopping;
      await withTimeout(closed, answerBoundMs(pool, spec));
    }
    if (channelClosed) await withTimeout(stderrDone, answerBoundMs(pool, spec));
  } finally {
    trigger.dispose();
    channel.removeAllListeners("data");
    channel.stderr.removeAllListeners("data");
    channel.close();
  }
  if (callbackError !== undefined) throw callbackError;
  const base = endedOutcome(out, err, started, trigger);
  const mark = marks.mark;
  if (mark?.kind === "nocwd")
    return failed(
      base,
      "SPAWN_FAILED",
      `cwd ${JSON.stringify(spec.cwd)}: no such directory on ${node.name}`,
    );
  if (mark?.kind === "nosandbox")
    return failed(base, "SANDBOX_UNAVAILABLE", refusalMessage(mark.reason, node.name, spec.cwd));
  if (!exit) {
    const pg = mark?.kind === "pgid" ? mark.pgid : undefined;
    // The kill went unanswered (or the command outlived its group) while the connection is up.
    if (stopping && remote.alive?.() === true)
      return failed(
        base,
        "KILL_UNCONFIRMED",
        unconfirmed(node.name, pg, confirmed, trigger, pool, spec),
      );
    const where = pg === undefined ? "" : ` (process group ${pg} on ${node.name})`;
    return failed(
      base,
      "CONNECTION_LOST",
      `connection to ${node.name} lost while the command was running; its outcome is unknown and it may still be running${where}`,
    );
  }
  const status =
    mark?.kind === "pgid" && mark.wrapped ? fromWrappedStatus(exit.code, exit.signal) : exit;
  return { ...base, exit_code: status.code, signal: status.signal };
}

function failed(
  base: ReturnType<typeof endedOutcome>,
  code: ErrorCode,
  message: string,
): ExecOutcome {
  return { ...base, exit_code: null, signal: null, error: { code, message } };
}

/** What is known when a kill was not confirmed on a live connection. */
function unconfirmed(
  node: string,
  pgid: number | undefined,
  confirmed: boolean | undefined,
  trigger: { timedOut: boolean; canceled: boolean },
  pool: SshPool,
  spec: RunSpec,
): string {
  const why = trigger.timedOut
    ? "after its timeout"
    : trigger.canceled
      ? "on cancel"
      : "after it ended";
  const s = Math.round(answerBoundMs(pool, spec) / 1000);
  const what =
    pgid === undefined
      ? `the command had to be stopped ${why}, but its process group was never reported (no status line), so nothing on ${node} could be killed`
      : confirmed === true
        ? `${node} confirmed that process group ${pgid} is gone, but the command did not end within ${s} s (did it leave its process group?)`
        : `TERM, then KILL, were requested for process group ${pgid} on ${node} ${why}, but no confirmation came within ${s} s`;
  return `${what}; the connection is alive. The command's outcome is unknown and it may still be running.`;
}

/**
 * Kills a process group on the node (TERM, grace, KILL), never waiting longer than `boundMs`.
 * True when the node confirmed the group gone, false when that did not happen in time.
 */
export async function killGroup(
  node: NodeConfig,
  pool: SshPool,
  pgid: number,
  graceMs: number,
  boundMs: number,
): Promise<boolean> {
  const abort = new AbortController();
  const work = pool
    .killGroup(node, pgid, graceMs, abort.signal)
    .then(() => true)
    .catch(() => false);
  const done = await withTimeout(work, boundMs);
  if (done === undefined) abort.abort();
  return done === true;
}

function notStarted(started: number, code?: ErrorCode, message?: string): ExecOutcome {
  const ms = Math.round(performance.now() - started);
  return notStartedOutcome(ms, code ? { code, message: message ?? code } : undefined);
}
