// task_status: where a background task is and how it ended, without its output.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpDeps } from "../deps.ts";
import { params } from "../schemas.ts";
import { noTasks, taskCall, taskId, taskToolResult, taskViewShape } from "./task-schemas.ts";

export function registerTaskStatusTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "task_status",
    {
      title: "Status of a background task",
      description:
        "Returns a background task's state (queued, running, succeeded, failed, timed_out, canceled, " +
        "interrupted = its runner died, outcome unknown), node, exit code, signal, times and route. " +
        "Does not wait; use task_wait to block until it ends and task_output to read its output.",
      inputSchema: params({ task_id: taskId }),
      outputSchema: taskViewShape,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args) =>
      taskCall(async () =>
        deps.tasks ? taskToolResult(await deps.tasks.status(args.task_id)) : noTasks(),
      ),
  );
}
