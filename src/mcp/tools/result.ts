// Turning a run result into a tool result: structuredContent + text, isError when it failed.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type RunResult, runFailed } from "../../exec/result.ts";
import type { RunRequest } from "../../tasks/request.ts";
import type { McpDeps } from "../deps.ts";
import { startProgress, type ToolExtra } from "../progress.ts";
import { renderRun } from "../render.ts";
import { requestSignal } from "../request-signals.ts";

export function runToolResult(r: RunResult): CallToolResult {
  return {
    content: [{ type: "text", text: renderRun(r) }],
    structuredContent: r as unknown as Record<string, unknown>,
    isError: runFailed(r),
  };
}

export function errorToolResult(
  message: string,
  structured?: Record<string, unknown>,
): CallToolResult {
  return {
    content: [{ type: "text", text: message }],
    ...(structured ? { structuredContent: structured } : {}),
    isError: true,
  };
}

/** A task state that is an ending other than success (failed, timed_out, canceled, interrupted). */
export function endedBadly(state: string): boolean {
  return !["queued", "running", "succeeded"].includes(state);
}

/** `background: true`: start a task and answer at once with {task_id, node, state}. */
export async function startTaskResult(deps: McpDeps, req: RunRequest): Promise<CallToolResult> {
  if (!deps.tasks) return errorToolResult("background tasks are not available in this server");
  const task = await deps.tasks.submit(req);
  return {
    content: [
      {
        type: "text",
        text: `started task ${task.task_id} on ${task.node} (${task.state}); use task_wait or task_status`,
      },
    ],
    structuredContent: task,
    isError: endedBadly(task.state),
  };
}

/** Runs one request for a tool call: progress notifications, cancel and disconnect stop the run. */
export async function runForTool(
  deps: McpDeps,
  req: RunRequest,
  extra: ToolExtra,
  label: string,
): Promise<CallToolResult> {
  const progress = startProgress(extra, label);
  const { signal, release } = requestSignal(extra);
  try {
    return runToolResult(await deps.run(req, { signal, onOutput: progress.onOutput }));
  } finally {
    progress.stop();
    release();
  }
}
