// The body of the hidden `__run-task ID` verb: claim the queued task, run it with its output going
// to the task's files, and record the end only once those files are complete.

import { toClusterError } from "../errors.ts";
import { failedBeforeStart, type RunResult } from "../exec/result.ts";
import type { Tasks } from "./open.ts";
import { selfRunner } from "./recorder.ts";
import type { RunFn, RunRecorder, RunRequest } from "./request.ts";
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

  // The output goes to the task's files as for every run; the end is recorded (files completed
  // first) only once the runtime has closed, so whoever sees the task finished reads it all.
  let ended: { result: RunResult; meta: Parameters<RunRecorder["finished"]>[1] } | undefined;
  const recorder: RunRecorder = {
    started: (rec) => tasks.recorder.started(rec),
    output: tasks.recorder.output?.bind(tasks.recorder),
    finished: (result, meta) => {
      ended = { result, meta };
    },
  };

  // Canceled before it started (cancel_requested at the claim): the pipeline sends nothing then.
  let result: RunResult;
  let rt: TaskRuntime | undefined;
  try {
    rt = makeRuntime(recorder);
    if (!req.node) await rt.refreshIfStale?.(abort.signal);
    result = await rt.run(req, { signal: abort.signal });
  } catch (e) {
    result = failedBeforeStart(toClusterError(e), { task_id: id, node: "", command: req.command });
  } finally {
    await rt?.close().catch(() => {});
  }
  if (!ended) {
    // The runtime returned without recording (it should not): record it here, start included.
    recorder.started(startOf(req, result.route.reason));
    ended = { result, meta: { requester: req.requester, bytes_out: 0 } };
  }
  await tasks.recorder.finished(ended.result, ended.meta);
  return tasks.store.get(id);
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
