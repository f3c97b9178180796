import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadConfig } from "../../../src/config/load.ts";
import { createRuntime } from "../../../src/run/runtime.ts";
import { createServer } from "../../../src/mcp/server.ts";
import { mcpDepsFrom } from "../../../src/transports/mcp-deps.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
const dir = mkdtempSync(join(tmpdir(), "w-"));
function cfg(n: number) {
  let t = `[defaults]\nuser="x"\n[nodes.here]\nhost="${require("node:os").hostname()}"\n`;
  for (let i = 0; i < n; i++) t += `[nodes.f${i}]\nhost="f${i}"\nip="10.99.0.${i % 200 + 1}"\nos="linux"\narch="x86_64"\ncores=2\n`;
  const p = join(dir, `c${n}.toml`); writeFileSync(p, t);
  return loadConfig({ configPath: p, env: { HOME: dir, CLUSTER_STATE_DIR: join(dir, `s${n}`) } });
}
for (const n of [3, 99]) {
  const c = cfg(n);
  const rt = createRuntime(c, {});
  const t0 = performance.now(); for (let i = 0; i < 1000; i++) rt.sampler.views(); const tv = (performance.now() - t0) / 1000;
  const t1 = performance.now(); for (let i = 0; i < 1000; i++) rt.decide({ command: "true", requester: "cli" }); const td = (performance.now() - t1) / 1000;
  const server = createServer(mcpDepsFrom(rt, "mcp-stdio"));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a); const client = new Client({ name: "x", version: "1" }); await client.connect(b);
  await client.callTool({ name: "cluster_bash", arguments: { command: "true" } });
  const t2 = performance.now(); for (let i = 0; i < 200; i++) await client.callTool({ name: "cluster_bash", arguments: { command: "true" } }); const tc = (performance.now() - t2) / 200;
  const r = await client.callTool({ name: "cluster_bash", arguments: { command: "true" } });
  console.log(n + 1, "views", tv.toFixed(3), "decide", td.toFixed(3), "call", tc.toFixed(3), "result chars", JSON.stringify(r).length);
  await client.close(); await rt.close();
}
process.exit(0);
