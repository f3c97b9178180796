// createServer(deps): the MCP server with the origin's tools. Nothing starts on import.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { VERSION } from "../version.ts";
import type { McpDeps } from "./deps.ts";
import { registerClusterBashTool } from "./tools/cluster-bash.ts";
import { registerClusterStatusTool } from "./tools/cluster-status.ts";
import { registerGetFileTool } from "./tools/get-file.ts";
import { registerOffloadToTool } from "./tools/offload-to.ts";
import { registerParallelExecuteTool } from "./tools/parallel-execute.ts";
import { registerPutFileTool } from "./tools/put-file.ts";
import { registerTaskCancelTool } from "./tools/task-cancel.ts";
import { registerTaskOutputTool } from "./tools/task-output.ts";
import { registerTaskStatusTool } from "./tools/task-status.ts";
import { registerTaskWaitTool } from "./tools/task-wait.ts";

const INSTRUCTIONS = `cluster-exec runs shell commands on the nodes of a small SSH cluster.
- cluster_bash: run one command where it fits best (routing by load, os/arch and capabilities).
- offload_to: run on a node you name. parallel_execute: many independent commands at once.
- cluster_status: nodes, their health, load, capabilities and cluster-exec version (read-only).
- put_file / get_file: write a file on a node (atomic; text or base64) and read one back a page at a time.
  Use put_file, not a heredoc, to create or replace anything but small files.
- background: true on cluster_bash / offload_to starts a task and returns its id at once; then task_wait,
  task_status, task_output (paged) and task_cancel. Use it for anything longer than about a minute.
Every run result says node, exit code, signal, stdout/stderr, duration, timed_out/canceled and why that node
was chosen. Long output is cut to head and tail to keep results small; the result then names the task_output
call (task_id, stream, offset) that pages the rest, which every run keeps stored. Dangerous commands (rm -rf /, mkfs, dd to disks, fork bombs...) are refused.`;

export function createServer(deps: McpDeps): McpServer {
  const server = new McpServer(
    { name: "cluster-exec", title: "Cluster Execution", version: VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, logging: {} } },
  );
  registerClusterBashTool(server, deps);
  registerOffloadToTool(server, deps);
  registerParallelExecuteTool(server, deps);
  registerClusterStatusTool(server, deps);
  if (deps.files) {
    registerPutFileTool(server, deps);
    registerGetFileTool(server, deps);
  }
  if (deps.tasks) {
    registerTaskStatusTool(server, deps);
    registerTaskWaitTool(server, deps);
    registerTaskCancelTool(server, deps);
    registerTaskOutputTool(server, deps);
  }
  return server;
}
