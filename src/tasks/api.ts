// The task API the servers offer (its types and its implementation) over the task store: submit, status, wait, cancel, output paging.

import { cancelTask } from "./cancel.ts";
import type { SpawnRunner } from "./detach.ts";
import { refreshed } from "./housekeeping.ts";
import type { Tasks } from "./open.ts";
import { readOutputPage } from "./output-read.ts";
import type { Requester, RunRequest } from "./request.ts";
import { isFinished } from "./state.ts";
import { getTask, outputOf, submitTask } from "./submit.ts";
import { type TaskView, taskResult, taskView } from "./view.ts";
import { waitForTask } from "./wait.ts";

export interface TaskSummary {
  task_id: string;
  node: string;
  state: string;
  [key: string]: unknown;
}

/** A task's status record (see src/tasks/view.ts). */
export type TaskStatusView = TaskView;

/** task_wait's answer: the status, plus the output once the task has finished. */
export type TaskWaitView = TaskView & { stdout?: string; stderr?: string };

export interface TaskOutputPage {
  task_id: string;
  state: string;
  stream: "stdout" | "stderr";
  /** Text of the bytes [offset, next_offset), cut on a character boundary. */
  chunk: string;
  offset: number;
  next_offset: number;
  /** Bytes of that stream so far. */
  size: number;
  /** The task has finished and there is nothing after next_offset. */
  eof: boolean;
}

/** Background tasks. Unknown ids are ClusterError TASK_UNKNOWN naming the id. */
export interface TaskApi {
  submit(req: RunRequest): Promise<TaskSummary>;
  status(taskId: string): Promise<TaskStatusView>;
  /** Resolves when the task has finished, or at the timeout with state running/queued. */
  wait(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<TaskWaitView>;
  cancel(taskId: string): Promise<TaskStatusView>;
  output(
    taskId: string,
    opts: { offset: number; stream: "stdout" | "stderr"; maxBytes: number },
  ): Promise<TaskOutputPage>;
}

/** submit answers once the runner has picked the node, or after this long with state queued. */
const SUBMIT_SETTLE_MS = 2000;

export function createTaskApi(
  tasks: Tasks,
  opts: { requester?: Requester; spawn?: SpawnRunner } = {},
): TaskApi {
  return {
    async submit(req) {
      const row = submitTask(
        tasks,
        opts.requester ? { ...req, requester: opts.requester } : req,
        opts.spawn,
      );
      const now = await waitForTask(tasks, row.id, {
        timeoutMs: SUBMIT_SETTLE_MS,
        until: (r) => r.state !== "queued",
      });
      const v = taskView(now);
      const summary: TaskSummary = { task_id: v.task_id, node: v.node, state: v.state };
      if (v.error) summary.error = v.error;
      return summary;
    },
    async status(id) {
      return taskView(await refreshed(tasks, getTask(tasks, id)));
    },
    async wait(id, timeoutMs, signal) {
      const row = await waitForTask(tasks, id, { timeoutMs, signal });
      const view: TaskWaitView = taskView(row);
      if (isFinished(row.state)) {
        const r = taskResult(row);
        view.stdout = r.stdout;
        view.stderr = r.stderr;
      }
      return view;
    },
    async cancel(id) {
      return taskView(await cancelTask(tasks, id));
    },
    async output(id, o) {
      const row = await refreshed(tasks, getTask(tasks, id));
      const files = outputOf(tasks, row);
      const page = readOutputPage(files[o.stream], o.offset, o.maxBytes);
      const page2: TaskOutputPage = {
        task_id: id,
        state: row.state,
        stream: o.stream,
        ...page,
        eof: isFinished(row.state) && page.next_offset >= page.size,
      };
      return page2;
    },
  };
}
