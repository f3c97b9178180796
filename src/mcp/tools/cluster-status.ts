// cluster_status: every node's health, load, memory, platform, capabilities and address.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { McpDeps } from "../deps.ts";

const nodeStatus = z.looseObject({
  status: z.string(),
  cpu_percent: z.number().nullable(),
  memory_percent: z.number().nullable(),
  load_1m: z.number().nullable(),
  cores: z.number().nullable(),
  os: z.string().nullable(),
  arch: z.string().nullable(),
  capabilities: z.array(z.string()),
  sandbox: z.string().nullable(),
  sandbox_level: z.string(),
  capabilities_configured: z.array(z.string()).optional(),
  capabilities_detected: z.array(z.string()).nullable().optional(),
  address: z.string().nullable(),
  resolved_via: z.string().nullable(),
  sampled_at: z.string().nullable(),
  transport: z.string().nullable().optional(),
  transport_reason: z.string().nullable().optional(),
  version: z.string().nullable().optional(),
  version_differs: z.boolean().nullable().optional(),
  probe_via: z.string().nullable().optional(),
  agent: z.string().nullable().optional(),
  agent_detail: z.string().nullable().optional(),
});

export function registerClusterStatusTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "cluster_status",
    {
      title: "Cluster nodes: health, load and capabilities",
      description:
        "Lists every node with its health (healthy, degraded = over a load threshold, unreachable, unknown), " +
        "CPU %, memory %, 1-minute load, cores, os/arch, capabilities (configured, and detected on the node: " +
        "tools on its PATH such as docker, podman, kubectl, ollama, nvidia-smi → gpu), sandbox (bwrap, sandbox-exec " +
        "or none, and the node's sandbox level), address and how it was " +
        "resolved, its transport (ssh2, openssh or local) and why, whether runs go through its resident agent, its cluster-exec version (and whether it differs " +
        "from this server's; `cluster-exec deploy` updates it), and when it was sampled. Read-only and fast (cached samples). Use it to choose node_id for offload_to or to see " +
        "why a command was routed where it was.",
      inputSchema: {},
      outputSchema: { local_node: z.string().nullable(), nodes: z.record(z.string(), nodeStatus) },
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    },
    async () => {
      const report = await deps.clusterStatus();
      const lines = Object.entries(report.nodes).map(([name, n]) => {
        const s = n as z.infer<typeof nodeStatus>;
        const configured = s.capabilities_configured ?? s.capabilities;
        const caps = s.capabilities.map((c) => (configured.includes(c) ? c : `${c} (detected)`));
        return `${name}${name === report.local_node ? " (local)" : ""}: ${s.status}, cpu ${s.cpu_percent ?? "?"}%, mem ${s.memory_percent ?? "?"}%, load ${s.load_1m ?? "?"}, ${s.os ?? "?"}/${s.arch ?? "?"} [${caps.join(", ")}], sandbox ${s.sandbox ?? "?"}${s.sandbox_level === "off" ? "" : ` (${s.sandbox_level})`}${s.version ? `, cluster-exec ${s.version}${s.version_differs ? " (differs from this server's)" : ""}` : ""}`;
      });
      return { content: [{ type: "text", text: lines.join("\n") }], structuredContent: report };
    },
  );
}
