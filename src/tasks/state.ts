// Task states and how a run result maps onto them.
import type { RunResult } from "../exec/result.ts";

export const TASK_STATES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "canceled",
  "interrupted",
] as const;

export type TaskState = (typeof TASK_STATES)[number];

export function isTaskState(s: string): s is TaskState {
  return (TASK_STATES as readonly string[]).includes(s);
}

export function isFinished(s: TaskState): boolean {
  return s !== "queued" && s !== "running";
}

/** Refused, unroutable and unreachable runs are `failed`, with their error kept beside. */
export function stateOfResult(r: RunResult): TaskState {
  if (r.canceled) return "canceled";
  if (r.timed_out) return "timed_out";
  if (r.error) return "failed";
  return r.exit_code === 0 && r.signal === null ? "succeeded" : "failed";
}
