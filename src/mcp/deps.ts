// What the MCP server needs from the rest of the program; tests pass their own.
import type { Requester, RunFn, RunRequest } from "../exec/request.ts";
import type { TaskView } from "../tasks/view.ts";

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

export interface McpDeps {
  run: RunFn;
  requester: Requester;
  /** The cluster_status report (SPEC shape). Reads cached facts; bounded in time. */
  clusterStatus(): Promise<{ local_node: string | null; nodes: Record<string, unknown> }>;
  /** parallel_execute's fan-out when max_concurrency is not given. */
  defaultConcurrency(): number;
  /** Background tasks; absent where the task store is not available. */
  tasks?: TaskApi;
}
