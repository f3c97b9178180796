// The openssh executor: runs a RunSpec on a node through `ssh` over its ControlMaster, with the
// ssh2 executor's semantics (own process group, caps, streaming with backpressure, timeout /
// cancel / leftover kill over a second session, exact exit code or signal, one result shape).
import { withTimeout } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { type ErrorCode, toClusterError } from "../errors.ts";
import type { Executor, OutputStream, RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { paceGarbage } from "../exec/memory.ts";
import { type ExecOutcome, endedOutcome, notStartedOutcome } from "../exec/result.ts";
import { fromWrappedStatus } from "../exec/signals.ts";
import { stopTrigger } from "../exec/stop-trigger.ts";
import { badEnvName, MARK_SEARCH_LIMIT, MarkReader } from "../remote/remote-command.ts";
import { buildReportingCommand, newNonce } from "../remote/reporting-command.ts";
import { exitOf, TrailerReader } from "../remote/status-trailer.ts";
import { refusalMessage } from "../sandbox/paths.ts";
import { type Link, type OpensshHub, SessionRefused } from "./hub.ts";
import { killGroupOver } from "./kill.ts";

export function createOpensshExecutor(node: NodeConfig, hub: OpensshHub): Executor {
  return { run: (spec, signal) => runOpenssh(node, hub, spec, signal), close: async () => {} };
}

export async function runOpenssh(
  node: NodeConfig,
  hub: OpensshHub,
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
  try {
    return await hub.retrying(node, signal, (link) =>
      attempt(node, hub, link, spec, signal, started),
    );
  } catch (err) {
    if ((err as Error).name === "AbortError") return { ...notStarted(started), canceled: true };
    const e = toClusterError(err);
    return notStarted(started, e.code, e.message);
  }
}

/** Bound on every wait that depends on the node answering (kill session, session end). */
function answerBoundMs(hub: OpensshHub, spec: RunSpec): number {
  const o = hub.opts;
  return spec.killGraceMs + (o.connectTimeoutS + 2 * o.handshakeTimeoutS) * 1000 + 1000;
}

/**
 * One session. Throws (for hub.retrying) when it certainly did not start the command; otherwise
 * returns the outcome, whatever it is.
 */
async function attempt(
  node: NodeConfig,
  hub: OpensshHub,
  link: Link,
  spec: RunSpec,
  signal: AbortSignal | undefined,
  started: number,
): Promise<ExecOutcome> {
  const nonce = newNonce();
  const proc = await hub.spawn(node, link, buildReportingCommand(spec, nonce), "run", signal);
  const out = new CappedOutput(spec.outputLimit);
  const err = new CappedOutput(spec.outputLimit);
  const marks = new MarkReader();
  const trailer = new TrailerReader(nonce);
  /** stderr before the status line: ssh's own messages if the command never started. */
  let early: Uint8Array[] | undefined = [];
  let earlyBytes = 0;
  let sinkError: { error: unknown } | undefined;
  let ended = false;
  let pgidKnown: (pgid: number | undefined) => void = () => {};
  const pgid = new Promise<number | undefined>((r) => (pgidKnown = r));

  const deliver = async (name: OutputStream, chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    paceGarbage(chunk.length);
    (name === "stdout" ? out : err).push(chunk);
    try {
      await spec.onOutput?.(name, chunk); // awaited: the pipe, then ssh, then the node wait for us
    } catch (error) {
      sinkError ??= { error };
    }
  };
  const releaseEarly = async () => {
    const held = early;
    early = undefined;
    for (const c of held ?? []) await deliver("stderr", c);
  };
  const onMark = () => {
    const m = marks.mark;
    // Recorded for the sweep: a runner killed mid-run must not leave this group running.
    if (m?.kind === "pgid") spec.onGroup?.({ pgid: m.pgid, local: false });
    pgidKnown(m?.kind === "pgid" ? m.pgid : undefined);
  };

  let stopping: Promise<void> | undefined;
  let stopRequested: () => void = () => {};
  const stopRequest = new Promise<void>((r) => (stopRequested = r));
  const stop = () => {
    stopping ??= (async () => {
      const pg = await withTimeout(pgid, answerBoundMs(hub, spec));
      if (pg === undefined) return; // no status line: nothing we could address safely
      await killGroupOver(hub, node, pg, spec.killGraceMs, answerBoundMs(hub, spec));
    })();
    stopRequested();
  };

  const pumpOut = (async () => {
    for await (const chunk of proc.stdout) {
      const had = marks.mark;
      const rest = marks.push(chunk);
      if (!had && marks.mark) {
        onMark();
        await releaseEarly();
      }
      await deliver("stdout", rest);
    }
    await deliver("stdout", marks.flush());
    onMark();
  })();
  const pumpErr = (async () => {
    for await (const chunk of proc.stderr) {
      const rest = trailer.push(chunk);
      const s = trailer.status;
      if (s && s.kind !== "exec" && !ended) {
        ended = true;
        // Leftovers of its group would outlive the run. Inside bubblewrap they die with its PID
        // namespace already (see exec/local.ts): a group still dying is not worth a kill session.
        const m = marks.mark;
        if (!s.empty && !(m?.kind === "pgid" && m.wrapped)) stop();
      }
      if (!early) await deliver("stderr", rest);
      else {
        early.push(rest);
        earlyBytes += rest.length;
        if (earlyBytes > MARK_SEARCH_LIMIT) await releaseEarly(); // not ssh talking: output
      }
    }
    const rest = trailer.flush();
    if (early) early.push(rest);
    else await deliver("stderr", rest);
  })();
  const done = Promise.all([pumpOut, pumpErr, proc.exited]);
  const trigger = stopTrigger(spec.timeoutMs, signal, () => !ended, stop);
  try {
    await Promise.race([done, stopRequest]);
    if (stopping) {
      await stopping;
      if ((await withTimeout(done, answerBoundMs(hub, spec))) === undefined) {
        proc.kill("SIGKILL"); // the node did not let go: close our side
        await done;
      }
    }
  } finally {
    trigger.dispose();
  }

  const code = proc.exitCode;
  const kind = marks.mark?.kind;
  const startedThere = kind === "pgid" || kind === "nocwd" || kind === "nosandbox";
  if (!startedThere) {
    // The command never reported starting: was it sent at all?
    const text = Buffer.concat(early ?? []).toString("utf8");
    if (code === 255 && !stopping) {
      const f = hub.sessionFailure(node, link, text);
      if (f?.kind === "refused") throw new SessionRefused(f.text);
      if (f?.kind === "error") throw f.error;
    }
    await releaseEarly();
  }
  if (sinkError) throw sinkError.error;
  const base = endedOutcome(out, err, started, trigger);
  if (marks.mark?.kind === "nocwd")
    return failed(
      base,
      "SPAWN_FAILED",
      `cwd ${JSON.stringify(spec.cwd)}: no such directory on ${node.name}`,
    );
  if (marks.mark?.kind === "nosandbox")
    return failed(
      base,
      "SANDBOX_UNAVAILABLE",
      refusalMessage(marks.mark.reason, node.name, spec.cwd),
    );
  const s = trailer.status;
  if (s && (s.kind !== "exec" || code !== null)) {
    const exit = exitOf(s, code);
    // bubblewrap reports its command's death by signal N as exit code 128 + N.
    const wrapped = marks.mark?.kind === "pgid" && marks.mark.wrapped;
    const status = wrapped ? fromWrappedStatus(exit.code, exit.signal) : exit;
    return { ...base, exit_code: status.code, signal: status.signal };
  }
  if (!startedThere && (trigger.canceled || trigger.timedOut))
    return { ...base, exit_code: null, signal: null }; // stopped before it started
  if (!startedThere && code !== 255 && code !== null)
    return failed(
      base,
      "SPAWN_FAILED",
      `the command did not start on ${node.name} (its login shell exited ${code}${base.stderr ? `: ${base.stderr.trim().slice(0, 300)}` : ""})`,
    );
  hub.masterSuspect(node);
  const pg =
    marks.mark?.kind === "pgid" ? ` (process group ${marks.mark.pgid} on ${node.name})` : "";
  return failed(
    base,
    "CONNECTION_LOST",
    `connection to ${node.name} lost while the command was running; its outcome is unknown and it may still be running${pg}`,
  );
}

function failed(
  base: ReturnType<typeof endedOutcome>,
  code: ErrorCode,
  message: string,
): ExecOutcome {
  return { ...base, exit_code: null, signal: null, error: { code, message } };
}

function notStarted(started: number, code?: ErrorCode, message?: string): ExecOutcome {
  const ms = Math.round(performance.now() - started);
  return notStartedOutcome(ms, code ? { code, message: message ?? code } : undefined);
}
