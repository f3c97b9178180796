// put_file: write a file on a node (text or base64), atomically, checked against the write policy.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { toClusterError } from "../../errors.ts";
import type { McpDeps } from "../deps.ts";
import { expected, params } from "../schemas.ts";
import { errorToolResult } from "./result.ts";

export const nodeId = z
  .string({ error: expected("a node name from cluster_status") })
  .min(1, { error: expected("a node name from cluster_status") })
  .describe("Node name (cluster_status lists them)");
export const filePath = z
  .string({ error: expected("a file path on the node") })
  .min(1, { error: expected("a non-empty file path") })
  .max(4096, { error: expected("a path of at most 4096 characters") })
  .refine((p) => !p.includes("\0"), { error: expected("a path without NUL bytes") })
  .describe("File path on the node: absolute, or relative to the user's home directory (~/ too)");

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function registerPutFileTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "put_file",
    {
      title: "Write a file on a node",
      description:
        "Writes a file on a node: `content` as UTF-8 text, or `content_base64` for any bytes. The write is " +
        "atomic (a temp file beside it, fsync, rename): readers see the old file or the new one, and a failed " +
        "write leaves the old one. Parent directories are created. `append: true` adds to the end (still " +
        'atomic). `mode` is octal, e.g. "0755" (default: the replaced file\'s, else 0644). Refused: system ' +
        "trees (/usr, /etc, /bin...), account files, disks, SSH directories, protected paths, and on a sandboxed " +
        "node anything its runs could not write (a workspace node: only the home, /tmp, writable). Use this rather " +
        "than a heredoc for anything but small files.",
      inputSchema: params({
        node_id: nodeId,
        path: filePath,
        content: z
          .string({ error: expected("the file's text") })
          .optional()
          .describe("The file's content as text (written as UTF-8)"),
        content_base64: z
          .string({ error: expected("the file's bytes in base64") })
          .regex(BASE64, { error: expected("standard base64 (A-Z a-z 0-9 + /, = padding)") })
          .optional()
          .describe("The file's content as base64, for binary files"),
        mode: z
          .string({ error: expected('octal permission bits like "0644" or "755"') })
          .regex(/^0?[0-7]{3,4}$/, {
            error: expected('octal permission bits like "0644" or "755"'),
          })
          .optional()
          .describe('Permission bits in octal, e.g. "0755"'),
        append: z
          .boolean({ error: expected("true or false") })
          .optional()
          .describe("Add to the end of the file instead of replacing it"),
      }),
      outputSchema: {
        node: z.string(),
        path: z.string(),
        bytes: z.number(),
        sha256: z.string(),
        mode: z.string(),
        created: z.boolean(),
      },
      annotations: { destructiveHint: true, openWorldHint: true, readOnlyHint: false },
    },
    async (args, extra): Promise<CallToolResult> => {
      const files = deps.files;
      if (!files) return errorToolResult("file tools are not available in this server");
      if ((args.content === undefined) === (args.content_base64 === undefined))
        return errorToolResult(
          "give exactly one of content (text) or content_base64 (bytes); got " +
            (args.content === undefined ? "neither" : "both"),
        );
      const content =
        args.content !== undefined
          ? new TextEncoder().encode(args.content)
          : new Uint8Array(Buffer.from(args.content_base64 as string, "base64"));
      try {
        const r = await files.put({
          node: args.node_id,
          path: args.path,
          content,
          mode: args.mode !== undefined ? Number.parseInt(args.mode, 8) : undefined,
          append: args.append,
          requester: deps.requester,
          signal: extra.signal,
        });
        const text = `${args.append ? "appended to" : "wrote"} ${r.node}:${r.path} (${r.bytes} bytes, mode ${r.mode}, sha256 ${r.sha256})`;
        return {
          content: [{ type: "text", text }],
          structuredContent: r as unknown as Record<string, unknown>,
        };
      } catch (err) {
        const e = toClusterError(err);
        const rule = typeof e.details.rule === "string" ? e.details.rule : undefined;
        return errorToolResult(`${e.code}: ${e.message}`, {
          error: { code: e.code, message: e.message, ...(rule ? { rule } : {}) },
        });
      }
    },
  );
}
