// A foreground run on a Slurm partition: `srun` on the submit host through its executor, output
// streamed as it comes, srun's own lines taken out of stderr, the exit code or signal from the step.
// Timeout and cancel: scancel signals the job's processes (TERM), then — if srun still runs after
// the grace period — the srun client is stopped too: on TERM it kills the step at once and reports
// how the task ended (a closed SSH channel would stop nothing).
import type { NodeConfig } from "../config/load.ts";
import type { Executor, OutputStream, RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { type ExecOutcome, endedOutcome, type JobInfo, notStartedOutcome } from "../exec/result.ts";
import { signalName } from "../exec/signals.ts";
import { stopTrigger } from "../exec/stop-trigger.ts";
import { newTaskId } from "../exec/task-id.ts";
import { jobName, scancelLine, srunLine } from "./commands.ts";
import { JobMarkReader, SrunStderrFilter } from "./srun-output.ts";
import { runShort } from "./submit-host.ts";

export interface SlurmTarget {
  node: NodeConfig;
  /** The submit host's executor (ssh, openssh or local): every Slurm command runs through it. */
  host: Executor;
  /** Bound on a short command on the submit host (scancel, a poll): connect + handshake + run. */
  answerMs: number;
}

/** How long a stopped srun client may take to end the step and report before it is killed. */
const CLIENT_REPORT_MS = 5000;
/** The backstop on the srun client beyond the run's own timeout (which scancel enforces). */
const CLIENT_BACKSTOP_MS = 60_000;

export async function runSrun(
  t: SlurmTarget,
  spec: RunSpec,
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const started = performance.now();
  const name = jobName(spec.taskId ?? newTaskId());
  const marks = new JobMarkReader();
  const info = (): JobInfo => ({
    scheduler: "slurm",
    partition: t.node.partition ?? "",
    job_id: marks.jobId,
  });
  if (signal?.aborted) return { ...notStartedOutcome(0), canceled: true, job: info() };

  const out = new CappedOutput(spec.outputLimit);
  const err = new CappedOutput(spec.outputLimit);
  const filter = new SrunStderrFilter();
  let callbackError: { error: unknown } | undefined;
  const deliver = async (stream: OutputStream, chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    (stream === "stdout" ? out : err).push(chunk);
    try {
      await spec.onOutput?.(stream, chunk);
    } catch (error) {
      callbackError ??= { error };
    }
  };

  const client = new AbortController();
  let clientTimer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  let onEnd: () => void = () => {};
  const endSeen = new Promise<void>((r) => (onEnd = r));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await runShort(t.host, scancelLine(marks.jobId, name), { timeoutMs: t.answerMs }).catch(
        () => undefined,
      );
      // srun ends by itself once its task is gone. A task that ignores TERM gets KILL through
      // Slurm after the grace period, so srun still reports how it ended; an srun out of touch
      // with the controller is stopped itself after a while more.
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        endSeen,
        new Promise((r) => (graceTimer = setTimeout(r, spec.killGraceMs))),
      ]);
      clearTimeout(graceTimer);
      if (ended) return;
      await runShort(t.host, scancelLine(marks.jobId, name, "KILL"), {
        timeoutMs: t.answerMs,
      }).catch(() => undefined);
      if (!ended) clientTimer = setTimeout(() => client.abort(), CLIENT_REPORT_MS);
    })();
  };
  const trigger = stopTrigger(spec.timeoutMs, signal, () => !ended, stop);
  let inner: ExecOutcome;
  try {
    inner = await t.host.run(
      {
        command: srunLine(t.node, name, spec.command, spec.timeoutMs),
        cwd: spec.cwd,
        env: spec.env,
        timeoutMs: spec.timeoutMs + spec.killGraceMs + CLIENT_BACKSTOP_MS,
        outputLimit: 4096,
        // Stopped, srun kills the step and reports how its task ended: give it time to say so.
        killGraceMs: Math.max(spec.killGraceMs, CLIENT_REPORT_MS),
        onOutput: (stream, chunk) =>
          stream === "stdout"
            ? deliver("stdout", marks.push(chunk))
            : deliver("stderr", filter.push(chunk)),
      },
      client.signal,
    );
  } finally {
    ended = true;
    onEnd();
    clearTimeout(clientTimer);
    trigger.dispose();
  }
  await deliver("stdout", marks.flush());
  await deliver("stderr", filter.flush());
  if (stopping) {
    await stopping;
    clearTimeout(clientTimer);
    // A job that registered after the first scancel (srun stopped while starting), or a step
    // srun left behind: nothing of a stopped run may go on.
    await runShort(t.host, scancelLine(marks.jobId, name, "KILL"), {
      timeoutMs: t.answerMs,
    }).catch(() => undefined);
  }
  if (callbackError) throw callbackError.error;

  const base = { ...endedOutcome(out, err, started, trigger), job: info() };
  if (filter.timeLimit) base.timed_out = true;
  if (inner.error) {
    const still = marks.jobId ? `; Slurm job ${marks.jobId} may still be running` : "";
    return {
      ...base,
      exit_code: null,
      signal: null,
      error: { ...inner.error, message: `${inner.error.message}${still}` },
    };
  }
  const end = filter.end;
  if (end?.kind === "exit") return { ...base, exit_code: end.code, signal: null };
  if (end?.kind === "signal") {
    const code = inner.exit_code ?? 0;
    return { ...base, exit_code: null, signal: code > 128 ? signalName(code - 128) : end.text };
  }
  if (trigger.timedOut || trigger.canceled) return { ...base, exit_code: null, signal: null };
  if (marks.jobId === null && inner.exit_code !== 0) {
    // srun itself failed before the job ran (bad partition, account, limits...).
    const why = filter.errors.join("; ") || inner.stderr.trim() || `srun exited ${inner.exit_code}`;
    return {
      ...base,
      exit_code: null,
      signal: null,
      error: {
        code: "SPAWN_FAILED",
        message: `srun could not start a job in partition ${t.node.partition} from ${t.node.host}: ${why}`,
      },
    };
  }
  return { ...base, exit_code: inner.exit_code, signal: inner.signal };
}
