// What a task looks like to callers: the status record, and its run result once finished.
import type { JobRef } from "../exec/executor.ts";
import type { RouteInfo, RunResult } from "../exec/result.ts";
import { readOutputText } from "./output-read.ts";
import type { TaskState } from "./state.ts";
import type { TaskRow } from "./store.ts";

export interface TaskView {
  task_id: string;
  state: TaskState;
  node: string;
  command: string;
  requester: string;
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  canceled: boolean;
  truncated: boolean;
  duration_ms: number | null;
  bytes_out: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  route: RouteInfo;
  error?: { code: string; message: string; rule?: string };
  stdout_path: string | null;
  stderr_path: string | null;
  /**
   * The run's process group (node null: the runner's machine), recorded as soon as it was known;
   * `kill`: what the sweep did to it after its runner died.
   */
  process_group?: { pgid: number; node: string | null; kill?: string };
  /** The Slurm job that runs it (a background task on a slurm node), with its last known state. */
  job?: JobRef;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function taskView(row: TaskRow): TaskView {
  return {
    task_id: row.id,
    state: row.state,
    node: row.node,
    command: row.command,
    requester: row.requester,
    exit_code: row.exit_code,
    signal: row.signal,
    timed_out: row.timed_out,
    canceled: row.canceled,
    truncated: row.truncated,
    duration_ms: row.duration_ms,
    bytes_out: row.bytes_out,
    created_at: iso(row.created_at) as string,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    route: row.route ?? { reason: row.route_reason, candidates: [] },
    ...(row.error_code
      ? {
          error: {
            code: row.error_code,
            message: row.error_message ?? "",
            ...(row.rule ? { rule: row.rule } : {}),
          },
        }
      : {}),
    stdout_path: row.stdout_path,
    stderr_path: row.stderr_path,
    ...(row.pgid !== null
      ? {
          process_group: {
            pgid: row.pgid,
            node: row.pgid_node,
            ...(row.group_kill ? { kill: row.group_kill } : {}),
          },
        }
      : {}),
    ...(row.job ? { job: row.job } : {}),
  };
}

/** The one run result shape, output read back from the task's files (empty for foreground runs). */
export function taskResult(row: TaskRow): RunResult {
  const v = taskView(row);
  return {
    task_id: v.task_id,
    node: v.node,
    command: v.command,
    exit_code: v.exit_code,
    signal: v.signal,
    stdout: readOutputText(row.stdout_path),
    stderr: readOutputText(row.stderr_path),
    truncated: v.truncated,
    duration_ms: v.duration_ms ?? 0,
    timed_out: v.timed_out,
    canceled: v.canceled,
    route: v.route,
    ...(v.error ? { error: v.error as RunResult["error"] & object } : {}),
  };
}
