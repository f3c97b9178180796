// get_file: read a file on a node a page at a time — text when the bytes are UTF-8, else base64 —
// each page sized to the result budget like every other tool result, with next_offset for more.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toClusterError } from "../../errors.ts";
import type { GetResult } from "../../files/api.ts";
import { completeUtf8Length } from "../../tasks/output-file.ts";
import { limitsOf, type McpDeps } from "../deps.ts";
import { byteOffset, expected, pageLimit, params } from "../schemas.ts";
import { size } from "../sizing.ts";
import { filePath, nodeId } from "./put-file.ts";
import { errorToolResult } from "./result.ts";

const MAX_PAGE = 4 * 1_048_576;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function registerGetFileTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "get_file",
    {
      title: "Read a file on a node",
      description:
        "Reads a file on a node from byte `offset`: `content` (text) when the bytes are UTF-8, else " +
        '`content_base64` (or ask for `encoding: "base64"`). A page is as large as the result budget allows ' +
        "unless `limit` asks for less; pass next_offset to read on until eof. size is the file's size.",
      inputSchema: params({
        node_id: nodeId,
        path: filePath,
        offset: byteOffset("Byte offset to read from (default 0)"),
        limit: pageLimit(
          MAX_PAGE,
          "Largest page to return, in bytes (default: as much as fits the result budget)",
        ),
        encoding: z
          .enum(["auto", "text", "base64"], { error: expected('"auto", "text" or "base64"') })
          .optional()
          .describe('"auto" (default): text when the page is UTF-8, else base64'),
      }),
      outputSchema: {
        node: z.string(),
        path: z.string(),
        offset: z.number(),
        next_offset: z.number(),
        size: z.number(),
        eof: z.boolean(),
        encoding: z.enum(["text", "base64"]),
        content: z.string().optional(),
        content_base64: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
    },
    async (args, extra): Promise<CallToolResult> => {
      const files = deps.files;
      if (!files) return errorToolResult("file tools are not available in this server");
      const budget = limitsOf(deps).output;
      try {
        const page = await files.get({
          node: args.node_id,
          path: args.path,
          offset: args.offset ?? 0,
          // Each byte is shown twice (structured and text): half the budget is the most a page takes.
          limit: Math.min(args.limit ?? MAX_PAGE, Math.floor(budget / 2)),
          requester: deps.requester,
          signal: extra.signal,
        });
        const encoding = args.encoding ?? "auto";
        if (encoding === "text" && asText(page.data, page.eof) === undefined)
          return errorToolResult(
            `${page.node}:${page.path} at offset ${page.offset} is not UTF-8 text; read it with encoding "base64"`,
          );
        // Shrunk until the whole result fits (escapes and base64 make it larger than the bytes).
        let n = page.data.length;
        let result = pageResult(page, n, encoding);
        for (let i = 0; i < 10 && size(result) >= budget && n > 1; i++) {
          n = Math.max(1, Math.floor((n * budget * 0.9) / size(result)));
          result = pageResult(page, n, encoding);
        }
        return result;
      } catch (err) {
        const e = toClusterError(err);
        return errorToolResult(`${e.code}: ${e.message}`, {
          error: { code: e.code, message: e.message },
        });
      }
    },
  );
}

/** The bytes as text, cut before a character split by the page's end; undefined: not UTF-8. */
function asText(data: Uint8Array, eof: boolean): { text: string; bytes: number } | undefined {
  let end = data.length;
  if (!eof) end = completeUtf8Length(data, data.length);
  try {
    return { text: utf8.decode(data.subarray(0, end)), bytes: end };
  } catch {
    return undefined;
  }
}

function pageResult(page: GetResult, n: number, encoding: string): CallToolResult {
  const eof = page.eof && n >= page.data.length;
  const slice = page.data.subarray(0, n);
  const text = encoding === "base64" ? undefined : asText(slice, eof);
  const bytes = text ? text.bytes : slice.length;
  const next = page.offset + bytes;
  const done = next >= page.size;
  const body = text
    ? { encoding: "text" as const, content: text.text }
    : { encoding: "base64" as const, content_base64: Buffer.from(slice).toString("base64") };
  const structured = {
    node: page.node,
    path: page.path,
    offset: page.offset,
    next_offset: next,
    size: page.size,
    eof: done,
    ...body,
  };
  const shown = text ? text.text : (body.content_base64 as string);
  const more = done ? "(end of file)" : `(more: call again with offset ${next})`;
  return {
    content: [
      {
        type: "text",
        text: `${page.node}:${page.path} bytes ${page.offset}-${next} of ${page.size}${text ? "" : " (base64)"}\n${shown}${shown.endsWith("\n") || !shown ? "" : "\n"}${more}`,
      },
    ],
    structuredContent: structured,
  };
}
