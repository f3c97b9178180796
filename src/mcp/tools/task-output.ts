// task_output: page through a run's stored output (stdout or stderr) by byte offset: a background
// task's, or the rest of a foreground run's result that was cut to fit.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { TaskOutputPage } from "../../tasks/api.ts";
import { limitsOf, type McpDeps } from "../deps.ts";
import { byteOffset, expected, pageLimit, params } from "../schemas.ts";
import { size } from "../sizing.ts";
import { noTasks, taskCall, taskId } from "./task-schemas.ts";

const MAX_PAGE = 1_048_576;

export function registerTaskOutputTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "task_output",
    {
      title: "Read a run's stored output",
      description:
        "Returns a chunk of a run's stored stdout (or stderr) from byte `offset`, with next_offset to pass " +
        "next time and eof once the run has ended and everything was read. Every run's output is stored: a " +
        "background task's, and a foreground run's whose result was cut to fit (its result names the call " +
        "and offset). Works while a task runs (output so far; past the head, offsets settle when it ends). " +
        "Stored output is capped like run results: head and tail kept with a marker between. A page is as " +
        "large as the result budget allows unless `limit` asks for less.",
      inputSchema: params({
        task_id: taskId,
        offset: byteOffset("Byte offset to read from (default 0; pass the previous next_offset)"),
        stream: z
          .enum(["stdout", "stderr"], { error: expected('"stdout" or "stderr"') })
          .optional()
          .describe("Which stream (default stdout)"),
        limit: pageLimit(
          MAX_PAGE,
          "Largest chunk to return, in bytes (default: as much as fits the result budget)",
        ),
      }),
      outputSchema: {
        task_id: z.string(),
        state: z.string(),
        stream: z.enum(["stdout", "stderr"]),
        chunk: z.string(),
        offset: z.number(),
        next_offset: z.number(),
        size: z.number(),
        eof: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async (args) =>
      taskCall(async () => {
        const tasks = deps.tasks;
        if (!tasks) return noTasks();
        const budget = limitsOf(deps).output;
        const read = (maxBytes: number) =>
          tasks.output(args.task_id, {
            offset: args.offset ?? 0,
            stream: args.stream ?? "stdout",
            maxBytes,
          });
        // A page as large as asked, shrunk until the whole result fits the budget.
        let maxBytes = Math.min(args.limit ?? MAX_PAGE, Math.floor(budget / 2));
        let result = pageResult(await read(maxBytes));
        for (let i = 0; i < 8 && size(result) >= budget && maxBytes > 1; i++) {
          maxBytes = Math.max(1, Math.floor((maxBytes * budget * 0.9) / size(result)));
          result = pageResult(await read(maxBytes));
        }
        return result;
      }),
  );
}

function pageResult(page: TaskOutputPage): CallToolResult {
  const more = page.eof ? "(end)" : `(more: call again with offset ${page.next_offset})`;
  return {
    content: [
      {
        type: "text",
        text: `${page.chunk}${page.chunk.endsWith("\n") || !page.chunk ? "" : "\n"}${more}`,
      },
    ],
    structuredContent: page as unknown as Record<string, unknown>,
  };
}
