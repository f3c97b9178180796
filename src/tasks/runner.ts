// The body of the hidden `__run-task ID` verb: claim the queued task, run it with its output going
// to the task's files, and record the end only once those files are complete. With `--resume`, a
// new runner follows the batch job of a task whose runner is gone (see adopt.ts).

import { toClusterError } from "../errors.ts";
import type { BatchOptions } from "../exec/executor.ts";
import { describeJob, failedBeforeStart, type RunResult } from "../exec/result.ts";
import type { Tasks } from "./open.ts";
import { selfRunner } from "./recorder.ts";
import type { RunFn, RunRecorder, RunRequest } from "./request.ts";
import { isFinished } from "./state.ts";
import type { TaskRow } from "./store.ts";

/** What executes the request: the program's runtime, or a test's. */
export interface TaskRuntime {
  run: RunFn;
  /** Fresh load samples before routing (a one-shot process has no background sampler). */
  refreshIfStale?(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export type RuntimeFactory = (recorder: RunRecorder) => TaskRuntime;

/**
 * Runs task `id`; `signal` is the cancel request (the verb aborts it on SIGTERM/SIGINT/SIGHUP,
 * installed before the claim). Returns the final row, or undefined when the task was not queued.
 */
export async function runTask(
  tasks: Tasks,
  id: string,
  makeRuntime: RuntimeFactory,
  abort: AbortController,
): Promise<TaskRow | undefined> {
  const claim = tasks.store.claim(id, selfRunner());
  if (!claim) return undefined;
  const row = tasks.store.get(id) as TaskRow;
  const req: RunRequest = { ...(row.request as RunRequest), task_id: id };
  if (claim.cancelRequested) abort.abort();
  return execute(tasks, row, req, makeRuntime, abort, {});
}

/** How long a resuming runner waits to see itself recorded as the task's runner. */
const OWN_WAIT_MS = 5000;

/**
 * `__run-task ID --resume`: follows the batch job of a task whose first runner is gone, once the
 * process that started this one has recorded it as the task's runner (else another runner won).
 * The job is not submitted again; its output files are read from the start.
 */
export async function resumeTask(
  tasks: Tasks,
  id: string,
  makeRuntime: RuntimeFactory,
  abort: AbortController,
): Promise<TaskRow | undefined> {
  const me = selfRunner();
  const deadline = performance.now() + OWN_WAIT_MS;
  let row = tasks.store.get(id);
  while (row && row.runner_pid !== me.pid && performance.now() < deadline) {
    await Bun.sleep(20);
    row = tasks.store.get(id);
  }
  if (!row?.job || !row.request || row.runner_pid !== me.pid || isFinished(row.state))
    return undefined;
  if (row.cancel_requested) abort.abort();
  const timeoutS = row.request.timeoutS ?? tasks.config.settings.task_timeout;
  const elapsedS = (Date.now() - (row.started_at ?? row.created_at)) / 1000;
  // Routed already: the job runs on row.node; only the time left of its timeout remains.
  const req: RunRequest = {
    ...row.request,
    task_id: id,
    node: row.node,
    timeoutS: timeoutS - elapsedS,
  };
  return execute(tasks, row, req, makeRuntime, abort, { resume: row });
}

async function execute(
  tasks: Tasks,
  row: TaskRow,
  req: RunRequest,
  makeRuntime: RuntimeFactory,
  abort: AbortController,
  opts: { resume?: TaskRow },
): Promise<TaskRow | undefined> {
  const id = row.id;
  // The output goes to the task's files as for every run; the end is recorded (files completed
  // first) only once the runtime has closed, so whoever sees the task finished reads it all.
  let ended: { result: RunResult; meta: Parameters<RunRecorder["finished"]>[1] } | undefined;
  const recorder: RunRecorder = {
    // A resumed task started long ago: its start is recorded already (its files are rewritten
    // from the job's output files, read again from the start).
    started: (rec) => (opts.resume ? undefined : tasks.recorder.started(rec)),
    output: tasks.recorder.output?.bind(tasks.recorder),
    group: (taskId, group) => tasks.recorder.group?.(taskId, group),
    finished: (result, meta) => {
      ended = { result: opts.resume ? resumedRoute(result, opts.resume) : result, meta };
    },
  };
  const batch: BatchOptions = {
    onJob: (job) => tasks.store.setJob(id, job),
    ...(opts.resume?.job ? { resume: opts.resume.job } : {}),
  };

  // Canceled before it started (cancel_requested at the claim): the pipeline sends nothing then.
  let result: RunResult;
  let rt: TaskRuntime | undefined;
  try {
    rt = makeRuntime(recorder);
    if (!req.node) await rt.refreshIfStale?.(abort.signal);
    result = await rt.run(req, { signal: abort.signal, batch });
  } catch (e) {
    result = failedBeforeStart(toClusterError(e), { task_id: id, node: "", command: req.command });
  } finally {
    await rt?.close().catch(() => {});
  }
  if (!ended) {
    // The runtime returned without recording (it should not): record it here, start included.
    if (!opts.resume) recorder.started(startOf(req, result.route.reason));
    ended = { result, meta: { requester: req.requester, bytes_out: 0 } };
  }
  await tasks.recorder.finished(ended.result, ended.meta);
  await tasks.recorder.settle?.(); // the runner exits next
  return tasks.store.get(id);
}

/** The route a resumed task keeps: how it was first routed, and the job that was followed again. */
function resumedRoute(result: RunResult, first: TaskRow): RunResult {
  const job = result.route.job;
  const again = "Its runner was replaced; the job was followed to its end by a new one.";
  return {
    ...result,
    route: {
      reason: [first.route_reason, job ? describeJob(job) : "", again].filter(Boolean).join(" "),
      candidates: [],
      ...(job ? { job } : {}),
    },
  };
}

function startOf(req: RunRequest, reason: string): Parameters<RunRecorder["started"]>[0] {
  return {
    task_id: req.task_id as string,
    requester: req.requester,
    command: req.command,
    node: req.node ?? "",
    route_reason: reason,
    started_at: Date.now(),
  };
}
