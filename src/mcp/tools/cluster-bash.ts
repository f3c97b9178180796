// cluster_bash: run a command on the best node for it (the origin's main tool).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpDeps } from "../deps.ts";
import {
  background,
  command,
  cwd,
  params,
  requiresArch,
  requiresCapabilities,
  requiresOs,
  runOrTaskOutput,
  sandbox,
  timeoutSeconds,
  toRequirements,
} from "../schemas.ts";
import { runForTool, startTaskResult } from "./result.ts";

export function registerClusterBashTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "cluster_bash",
    {
      title: "Run a shell command on the best cluster node",
      description:
        "Runs a shell command on the cluster node best suited to it: light commands (ls, cat, git status) " +
        "stay on this machine unless it is busy; heavy ones (builds, tests, containers, recursive searches) go to " +
        "the node with the most free capacity that meets requires_os / requires_arch / requires_capabilities. " +
        "Returns exit code, stdout, stderr (capped: head and tail kept), duration, the node and why it was chosen. " +
        "Timeouts kill the whole process group. Use offload_to to pick the node yourself, parallel_execute for " +
        "many independent commands, and background: true for work longer than about a minute.",
      inputSchema: params({
        command,
        requires_os: requiresOs.optional(),
        requires_arch: requiresArch.optional(),
        requires_capabilities: requiresCapabilities.optional(),
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
        requirements: toRequirements(args),
        timeoutS: args.timeout_seconds,
        cwd: args.cwd,
        sandbox: args.sandbox,
        requester: deps.requester,
      };
      if (args.background) return startTaskResult(deps, req);
      return runForTool(deps, req, extra, "cluster_bash");
    },
  );
}
