// task_wait: block until a background task ends (then its result and output) or the timeout.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { limitsOf, type McpDeps } from "../deps.ts";
import { startProgress } from "../progress.ts";
import { requestSignal } from "../request-signals.ts";
import { cutShape, expected, params } from "../schemas.ts";
import { fitResult, type Value } from "../sizing.ts";
import { endedBadly } from "./result.ts";
import { noTasks, taskCall, taskId, taskToolResult, taskViewShape } from "./task-schemas.ts";

const DEFAULT_WAIT_S = 30;

export function registerTaskWaitTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "task_wait",
    {
      title: "Wait for a background task",
      description:
        "Waits until the background task ends, then returns its result: state, exit code, signal, stdout and " +
        "stderr (capped: head and tail kept; cut further to fit the result, the rest paged with task_output). " +
        `If it is still running after timeout_seconds (default ${DEFAULT_WAIT_S}), ` +
        "returns its status with state running and no output: call task_wait again. isError when the task failed, " +
        "timed out, was canceled or interrupted.",
      inputSchema: params({
        task_id: taskId,
        timeout_seconds: z
          .number({ error: expected("a number of seconds") })
          .min(0, { error: expected("seconds >= 0") })
          .max(3600, {
            error: expected("at most 3600 seconds; call task_wait again to wait longer"),
          })
          .optional()
          .describe(
            `Return after this many seconds even if the task still runs (default ${DEFAULT_WAIT_S})`,
          ),
      }),
      outputSchema: {
        ...taskViewShape,
        stdout: z.string().optional(),
        stderr: z.string().optional(),
        ...cutShape,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) =>
      taskCall(async () => {
        if (!deps.tasks) return noTasks();
        const progress = startProgress(extra, `task_wait ${args.task_id}`);
        const { signal, release } = requestSignal(extra);
        try {
          const timeoutMs = (args.timeout_seconds ?? DEFAULT_WAIT_S) * 1000;
          const v = await deps.tasks.wait(args.task_id, timeoutMs, signal);
          const failed = endedBadly(v.state);
          const limits = limitsOf(deps);
          return fitResult(
            [{ value: v as unknown as Value, failed }],
            { limit: failed ? limits.errorOutput : limits.output, stored: true },
            ([cut]) => taskToolResult(cut as unknown as typeof v, failed),
          );
        } finally {
          progress.stop();
          release();
        }
      }),
  );
}
