// zod shapes, text rendering and error handling shared by the task_* tools.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toClusterError } from "../../errors.ts";
import type { TaskWaitView } from "../../tasks/api.ts";
import { TASK_STATES } from "../../tasks/state.ts";
import { expected, routeCandidate } from "../schemas.ts";
import { errorToolResult } from "./result.ts";

export const taskId = z
  .string({
    error: expected("a task id returned by cluster_bash/offload_to with background: true"),
  })
  .min(1, { error: expected("a non-empty task id") })
  .max(64, { error: expected("a task id (at most 64 characters)") })
  .describe("Task id returned by cluster_bash / offload_to with background: true");

export const taskViewShape = {
  task_id: z.string(),
  state: z.enum(TASK_STATES),
  node: z.string(),
  command: z.string(),
  requester: z.string(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  canceled: z.boolean(),
  truncated: z.boolean(),
  duration_ms: z.number().nullable(),
  bytes_out: z.number().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  route: z.looseObject({ reason: z.string(), candidates: z.array(routeCandidate.loose()) }),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  stdout_path: z.string().nullable(),
  stderr_path: z.string().nullable(),
  process_group: z
    .object({ pgid: z.number(), node: z.string().nullable(), kill: z.string().optional() })
    .optional(),
  job: z
    .looseObject({
      scheduler: z.string(),
      node: z.string(),
      partition: z.string(),
      job_id: z.string(),
      stdout_path: z.string(),
      stderr_path: z.string(),
      state: z.string().optional(),
    })
    .optional()
    .describe("The Slurm job running a background task on a slurm node, with its last known state"),
};

export function renderTask(v: TaskWaitView): string {
  const how =
    v.state === "queued" || v.state === "running"
      ? v.state
      : v.error
        ? `${v.state} (${v.error.code}: ${v.error.message})`
        : v.signal
          ? `${v.state} (${v.signal})`
          : `${v.state} (exit ${v.exit_code})`;
  const lines = [
    `task ${v.task_id} [${v.node || "no node yet"}] ${how}${v.duration_ms !== null ? ` · ${v.duration_ms} ms` : ""}`,
    `command: ${v.command}`,
  ];
  if (v.stdout) lines.push(`--- stdout ---\n${v.stdout.replace(/\n$/, "")}`);
  if (v.stderr) lines.push(`--- stderr ---\n${v.stderr.replace(/\n$/, "")}`);
  if (v.truncated) lines.push("(output truncated: head and tail kept)");
  return lines.join("\n");
}

export function taskToolResult(v: TaskWaitView, isError = false): CallToolResult {
  return {
    content: [{ type: "text", text: renderTask(v) }],
    structuredContent: v as unknown as Record<string, unknown>,
    isError,
  };
}

/** Unknown ids and other task errors are isError results naming the id, never protocol errors. */
export async function taskCall(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    const e = toClusterError(err);
    return errorToolResult(`${e.code}: ${e.message}`);
  }
}

export const noTasks = (): CallToolResult =>
  errorToolResult("background tasks are not available in this server");
