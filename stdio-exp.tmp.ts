import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdtempSync, rmSync } from "node:fs";
const dir = mkdtempSync("/tmp/ce-exp-");
const env: Record<string,string> = {};
for (const [k,v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CLUSTER_")) env[k]=v;
env.CLUSTER_STATE_DIR = dir + "/state"; env.CLUSTER_MDNS_TIMEOUT="0";
const t = new StdioClientTransport({ command: process.execPath, args: ["src/cli.ts", "mcp"], env, stderr: "inherit" });
const c = new Client({ name: "x", version: "1" });
await c.connect(t);
const st = await c.callTool({name:"cluster_status", arguments:{}});
const local = (st.structuredContent as any).local_node;
for (const mb of (process.argv[2] ?? "5,8,32").split(",").map(Number)) {
  const b64 = Buffer.alloc(mb * 1024 * 1024, 7).toString("base64");
  const t0 = performance.now();
  try {
    const r = await c.callTool({ name: "put_file", arguments: { node_id: local, path: `${dir}/f${mb}`, content_base64: b64 } }, undefined, { timeout: 120000 });
    console.log(mb, "MB", Math.round(performance.now() - t0), "ms", JSON.stringify(r.structuredContent).slice(0, 100));
  } catch (e) { console.log(mb, "MB", Math.round(performance.now() - t0), "ms error", (e as Error).message); }
}
const st2 = await c.callTool({name:"cluster_status", arguments:{}});
console.log("still serving", !!st2.structuredContent);
await c.close();
rmSync(dir, {recursive:true, force:true});
