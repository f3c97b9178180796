// A background task on a Slurm partition: `sbatch --wrap` with its output in files on the submit
// host, then a watch — poll the job's state and the files' new bytes, stream them — until the job
// ends. The job outlives this process: `resume` watches an existing job (a replaced runner).
// Timeout and cancel are scancel.
import { abortableSleep } from "../abort.ts";
import type { ErrorCode } from "../errors.ts";
import type { JobRef, OutputStream, RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { type ExecOutcome, endedOutcome, type JobInfo, notStartedOutcome } from "../exec/result.ts";
import { stopTrigger } from "../exec/stop-trigger.ts";
import { newTaskId } from "../exec/task-id.ts";
import {
  jobName,
  POLL_MAX_BYTES,
  pollScript,
  removeFilesLine,
  sbatchLine,
  scancelLine,
} from "./commands.ts";
import { jobEnding } from "./job-state.ts";
import { type PollResult, parsePoll } from "./poll.ts";
import type { SlurmTarget } from "./srun.ts";
import { SrunStderrFilter } from "./srun-output.ts";
import { runShort, shortFailure } from "./submit-host.ts";

const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 1000;
/** Between polls that failed (submit host unreachable): the job goes on without us meanwhile. */
const MAX_RETRY_MS = 15_000;

export async function runBatch(
  t: SlurmTarget,
  spec: RunSpec,
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const started = performance.now();
  const name = jobName(spec.taskId ?? newTaskId());
  const partition = t.node.partition ?? "";
  let ref = spec.batch?.resume;
  const info = (): JobInfo => ({
    scheduler: "slurm",
    partition,
    job_id: ref?.job_id ?? null,
    ...(ref?.state ? { state: ref.state } : {}),
  });
  let ended = false;
  const wake = new AbortController();
  const trigger = stopTrigger(
    spec.timeoutMs,
    signal,
    () => !ended,
    () => wake.abort(),
  );
  const out = new CappedOutput(spec.outputLimit);
  const err = new CappedOutput(spec.outputLimit);
  // slurmstepd writes "*** JOB N ON n1 CANCELLED AT ... ***" into the job's stderr file.
  const noise = new SrunStderrFilter();
  const deliver = async (stream: OutputStream, chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    (stream === "stdout" ? out : err).push(chunk);
    await spec.onOutput?.(stream, chunk);
  };
  const fail = (code: ErrorCode, message: string): ExecOutcome => ({
    ...endedOutcome(out, err, started, trigger),
    exit_code: null,
    signal: null,
    error: { code, message },
    job: info(),
  });

  try {
    if (!ref) {
      if (wake.signal.aborted)
        return { ...notStartedOutcome(0), ...flags(trigger), job: info() } as ExecOutcome;
      const r = await runShort(
        t.host,
        sbatchLine(t.node, name, spec.command, spec.timeoutMs, spec.cwd),
        {
          timeoutMs: t.answerMs,
          env: spec.env,
        },
      );
      const text = new TextDecoder().decode(r.stdout);
      if (text.includes("@@nocwd"))
        return fail(
          "SPAWN_FAILED",
          `cwd ${JSON.stringify(spec.cwd)}: no such directory on ${t.node.host} (the submit host of ${t.node.name})`,
        );
      const id = /^@@job (\d+)/m.exec(text)?.[1];
      const dir = /^@@dir (.+)$/m.exec(text)?.[1];
      if (r.error?.code === "CONNECTION_LOST")
        return fail(
          "CONNECTION_LOST",
          `${r.error.message}; a Slurm job named ${name} may have been submitted`,
        );
      if (!id || !dir)
        return fail(
          r.error?.code ?? "SPAWN_FAILED",
          shortFailure(`sbatch to partition ${partition} on ${t.node.host}`, r),
        );
      ref = {
        scheduler: "slurm",
        node: t.node.name,
        partition,
        job_id: id,
        stdout_path: `${dir}/${name}.out`,
        stderr_path: `${dir}/${name}.err`,
        state: "PENDING",
      };
      spec.batch?.onJob?.({ ...ref });
    }
    const job: JobRef = ref;
    const offsets: [number, number] = [0, 0];
    let interval = FIRST_POLL_MS;
    let failures = 0;
    let sent: "TERM" | "KILL" | undefined;
    let stopSince: number | undefined;
    for (;;) {
      if (wake.signal.aborted) {
        // TERM at once, KILL once kill_grace has passed with the job still there.
        stopSince ??= performance.now();
        const phase =
          performance.now() - stopSince >= spec.killGraceMs ? "KILL" : ("TERM" as const);
        if (sent !== phase && sent !== "KILL") {
          const r = await runShort(t.host, scancelLine(job.job_id, name, phase, true), {
            timeoutMs: t.answerMs,
          });
          if (!r.error && !r.timedOut) sent = phase;
        }
      }
      let poll: PollResult | undefined;
      const r = await runShort(
        t.host,
        pollScript(job.job_id, [job.stdout_path, job.stderr_path], offsets),
        {
          timeoutMs: t.answerMs,
        },
      );
      try {
        if (!r.error && !r.timedOut) poll = parsePoll(r.stdout);
      } catch {
        poll = undefined;
      }
      // No state and not a forgotten job: the controller did not answer (it may be restarting).
      if (poll && !poll.status && !poll.forgotten) poll = undefined;
      if (!poll) {
        failures++;
        if (stopSince !== undefined && performance.now() - stopSince > 4 * t.answerMs)
          return fail(
            "CONNECTION_LOST",
            `could not reach ${t.node.host} to ${sent ? "follow" : "cancel"} Slurm job ${job.job_id} (${shortFailure("poll", r)}); it may still be running`,
          );
        await pause(Math.min(MAX_RETRY_MS, FIRST_POLL_MS * 2 ** failures), wake.signal, stopSince);
        continue;
      }
      failures = 0;
      await deliver("stdout", poll.stdout);
      await deliver("stderr", noise.push(poll.stderr));
      offsets[0] += poll.stdout.length;
      offsets[1] += poll.stderr.length;
      const status = poll.status ?? {
        state: "UNKNOWN",
        final: true,
        reason: "Slurm no longer knows the job and keeps no accounting record of it",
      };
      if (status.state !== job.state) {
        job.state = status.state;
        spec.batch?.onJob?.({ ...job });
      }
      const more = poll.stdout.length >= POLL_MAX_BYTES || poll.stderr.length >= POLL_MAX_BYTES;
      if (more) continue;
      if (status.final) {
        await deliver("stderr", noise.flush());
        // Read to the end into the task's own files: the copies on the submit host would only pile up.
        await runShort(t.host, removeFilesLine([job.stdout_path, job.stderr_path]), {
          timeoutMs: t.answerMs,
        }).catch(() => undefined);
        const ending = jobEnding(job.job_id, status);
        const flagsNow = flags(trigger);
        return {
          ...endedOutcome(out, err, started, trigger),
          exit_code: ending.exit_code,
          signal: ending.signal,
          timed_out: flagsNow.timed_out || ending.timed_out,
          canceled: flagsNow.canceled || (ending.canceled && !flagsNow.timed_out),
          ...(ending.error ? { error: ending.error } : {}),
          job: info(),
        } as ExecOutcome;
      }
      const wait = stopSince === undefined ? interval : Math.min(interval, spec.killGraceMs);
      await pause(wait, wake.signal, stopSince);
      interval = Math.min(MAX_POLL_MS, Math.ceil(interval * 1.5));
    }
  } finally {
    ended = true;
    trigger.dispose();
  }
}

function flags(t: { timedOut: boolean; canceled: boolean }) {
  return { timed_out: t.timedOut, canceled: t.canceled };
}

/** Sleeps `ms`, cut short by a stop request — except once the stop is being handled (then poll on). */
async function pause(ms: number, stop: AbortSignal, stopSince: number | undefined) {
  await abortableSleep(ms, stopSince === undefined ? stop : undefined).catch(() => {});
}
