// task_cancel: stop a background task; its whole process group is killed on its node.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpDeps } from "../deps.ts";
import { params } from "../schemas.ts";
import { noTasks, taskCall, taskId, taskToolResult, taskViewShape } from "./task-schemas.ts";

export function registerTaskCancelTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "task_cancel",
    {
      title: "Cancel a background task",
      description:
        "Cancels a background task: its whole process group is killed (TERM, then KILL) on the node where it " +
        "runs, and the task ends with state canceled. Returns its status; a task that already ended is left as it was.",
      inputSchema: params({ task_id: taskId }),
      outputSchema: taskViewShape,
      annotations: {
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
        readOnlyHint: false,
      },
    },
    async (args) =>
      taskCall(async () =>
        deps.tasks ? taskToolResult(await deps.tasks.cancel(args.task_id)) : noTasks(),
      ),
  );
}
