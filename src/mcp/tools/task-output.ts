// task_output: page through a background task's output (stdout or stderr) by byte offset.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { McpDeps } from "../deps.ts";
import { expected, params } from "../schemas.ts";
import { noTasks, taskCall, taskId } from "./task-schemas.ts";

const DEFAULT_PAGE = 65_536;

export function registerTaskOutputTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "task_output",
    {
      title: "Read a background task's output",
      description:
        "Returns a chunk of a background task's stdout (or stderr) from byte `offset`, with next_offset to pass " +
        "next time and eof once the task has ended and everything was read. Works while the task runs " +
        "(output so far; past the head, offsets settle when it ends). Output is capped like run results: " +
        "head and tail kept with a marker between.",
      inputSchema: params({
        task_id: taskId,
        offset: z
          .number({ error: expected("a byte offset (next_offset of the previous call)") })
          .int({ error: expected("a whole byte offset") })
          .min(0, { error: expected("a byte offset >= 0") })
          .optional()
          .describe("Byte offset to read from (default 0; pass the previous next_offset)"),
        stream: z
          .enum(["stdout", "stderr"], { error: expected('"stdout" or "stderr"') })
          .optional()
          .describe("Which stream (default stdout)"),
        max_bytes: z
          .number({ error: expected("a number of bytes") })
          .int({ error: expected("a whole number of bytes") })
          .min(1024, { error: expected("at least 1024 bytes") })
          .max(1_048_576, { error: expected("at most 1048576 bytes") })
          .optional()
          .describe(`Largest chunk to return (default ${DEFAULT_PAGE})`),
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
        if (!deps.tasks) return noTasks();
        const page = await deps.tasks.output(args.task_id, {
          offset: args.offset ?? 0,
          stream: args.stream ?? "stdout",
          maxBytes: args.max_bytes ?? DEFAULT_PAGE,
        });
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
      }),
  );
}
