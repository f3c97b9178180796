// The MCP server's TaskApi over the task store: submit, status, wait, cancel, output paging.
import type { Requester } from "../exec/request.ts";
import type { TaskApi, TaskOutputPage, TaskSummary, TaskWaitView } from "../mcp/deps.ts";
import { cancelTask } from "./cancel.ts";
import type { SpawnRunner } from "./detach.ts";
import { refreshed } from "./housekeeping.ts";
import type { Tasks } from "./open.ts";
import { readOutputPage } from "./output-read.ts";
import { isFinished } from "./state.ts";
import { getTask, submitTask } from "./submit.ts";
import { taskResult, taskView } from "./view.ts";
import { waitForTask } from "./wait.ts";

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
      return taskView(refreshed(tasks.store, tasks.audit, getTask(tasks, id)));
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
      const row = refreshed(tasks.store, tasks.audit, getTask(tasks, id));
      const page = readOutputPage(
        o.stream === "stderr" ? row.stderr_path : row.stdout_path,
        o.offset,
        o.maxBytes,
      );
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
