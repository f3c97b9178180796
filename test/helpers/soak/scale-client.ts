// The scale run's MCP client, run inside the controller namespace (where serve's 127.0.0.1 is):
// argv[2] is {url, token, statusCalls, items, concurrency, sleepS}. Times `cluster_status`, then
// one parallel_execute of `items` sleeps, and prints one JSON object with the figures.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

interface Args {
  url: string;
  token: string;
  statusCalls: number;
  items: number;
  concurrency: number;
  sleepS: number;
}
const a = JSON.parse(process.argv[2] as string) as Args;
const client = new Client({ name: "scale", version: "1" });
await client.connect(
  new StreamableHTTPClientTransport(new URL(a.url), {
    requestInit: { headers: { authorization: `Bearer ${a.token}` } },
  }),
);
const call = (name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }, undefined, {
    timeout: 900_000,
  }) as Promise<CallToolResult>;

const statusMs: number[] = [];
let statusCounts: Record<string, number> = {};
for (let i = 0; i < a.statusCalls; i++) {
  const t = performance.now();
  const r = await call("cluster_status", {});
  statusMs.push(Math.round(performance.now() - t));
  statusCounts = {};
  const nodes = (r.structuredContent as { nodes: Record<string, { status: string }> }).nodes;
  for (const n of Object.values(nodes)) statusCounts[n.status] = (statusCounts[n.status] ?? 0) + 1;
}

interface Item {
  node: string;
  exit_code: number | null;
  error?: { code: string; message: string };
}
const commands = Array.from({ length: a.items }, (_, i) => `sleep ${a.sleepS}; echo ${i}`);
const t = performance.now();
const r = await call("parallel_execute", {
  commands,
  max_concurrency: a.concurrency,
  timeout_seconds: 600,
});
const batchMs = Math.round(performance.now() - t);
const results = ((r.structuredContent as { results?: Item[] } | undefined)?.results ??
  []) as Item[];
const perNode: Record<string, number> = {};
const errors: Record<string, number> = {};
const errorSamples: Record<string, string[]> = {};
for (const x of results) {
  perNode[x.node] = (perNode[x.node] ?? 0) + 1;
  if (x.error) {
    errors[x.error.code] = (errors[x.error.code] ?? 0) + 1;
    const xs = errorSamples[x.error.code] ?? [];
    errorSamples[x.error.code] = xs;
    if (xs.length < 3) xs.push(`${x.node}: ${x.error.message.slice(0, 300)}`);
  } else if (x.exit_code !== 0)
    errors[`exit ${x.exit_code}`] = (errors[`exit ${x.exit_code}`] ?? 0) + 1;
}
const refused = results.length === 0 ? (r.content as { text: string }[])[0]?.text : undefined;
console.log(
  JSON.stringify({
    statusMs,
    statusCounts,
    batchMs,
    results: results.length,
    perNode,
    errors,
    refused,
  }),
);
await client.close();
process.exit(0);
