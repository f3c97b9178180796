// Turning a run result into a tool result: structuredContent + text, isError when it failed, the
// whole sized for an agent (output cut to head and tail, the rest paged with task_output).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { OutputStream } from "../../exec/executor.ts";
import { type RunResult, runFailed } from "../../exec/result.ts";
import type { RunRequest } from "../../tasks/request.ts";
import { limitsOf, type McpDeps } from "../deps.ts";
import { startProgress, type ToolExtra } from "../progress.ts";
import { renderRun } from "../render.ts";
import { requestSignal } from "../request-signals.ts";
import { fitResult } from "../sizing.ts";

/** Bytes each stream of a run produced, counted as they pass. */
export type Written = Record<OutputStream, number>;

export function runToolResult(r: RunResult, deps: McpDeps, written?: Written): CallToolResult {
  const failed = runFailed(r);
  const limits = limitsOf(deps);
  return fitResult(
    [{ value: r as unknown as RunResult & Record<string, unknown>, failed, written }],
    { limit: failed ? limits.errorOutput : limits.output, stored: deps.tasks !== undefined },
    ([v]) => ({
      content: [{ type: "text", text: renderRun(v as unknown as RunResult) }],
      structuredContent: v as Record<string, unknown>,
      isError: failed,
    }),
  );
}

/** An onOutput hook that counts bytes per stream and passes each chunk on. */
export function counting(next?: (stream: OutputStream, chunk: Uint8Array) => void): {
  written: Written;
  onOutput: (stream: OutputStream, chunk: Uint8Array) => void;
} {
  const written: Written = { stdout: 0, stderr: 0 };
  return {
    written,
    onOutput: (stream, chunk) => {
      written[stream] += chunk.length;
      next?.(stream, chunk);
    },
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
  const count = counting(progress.onOutput);
  try {
    const r = await deps.run(req, { signal, onOutput: count.onOutput });
    return runToolResult(r, deps, count.written);
  } finally {
    progress.stop();
    release();
  }
}
