// offload_to: run a command on a node the caller names.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { McpDeps } from "../deps.ts";
import {
  background,
  command,
  cwd,
  expected,
  params,
  runOrTaskOutput,
  sandbox,
  timeoutSeconds,
} from "../schemas.ts";
import { runForTool, startTaskResult } from "./result.ts";

export function registerOffloadToTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "offload_to",
    {
      title: "Run a shell command on a named node",
      description:
        "Runs a shell command on the node you name (see cluster_status for names, capabilities and load). " +
        "Use it when the command must run on a particular machine; otherwise prefer cluster_bash, which picks " +
        "the node. Same result as cluster_bash; an unknown node is an error listing the known ones.",
      inputSchema: params({
        command,
        node_id: z
          .string({ error: expected("a node name from cluster_status") })
          .min(1, { error: expected("a node name from cluster_status") })
          .describe("Node name"),
        timeout_seconds: timeoutSeconds.optional(),
        cwd: cwd.optional(),
        sandbox: sandbox.optional(),
        background: background.optional(),
      }),
      outputSchema: runOrTaskOutput.shape,
      annotations: { destructiveHint: true, openWorldHint: true, readOnlyHint: false },
    },
    async (args, extra) => {
      const req = {
        command: args.command,
        node: args.node_id,
        timeoutS: args.timeout_seconds,
        cwd: args.cwd,
        sandbox: args.sandbox,
        requester: deps.requester,
      };
      if (args.background) return startTaskResult(deps, req);
      return runForTool(deps, req, extra, `offload_to ${args.node_id}`);
    },
  );
}
