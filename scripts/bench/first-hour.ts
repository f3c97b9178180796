// What a user meets in the first hour, measured in one run on a netns test cluster (this machine
// plus n1–n3, the nodes idle through their fake /proc files), through the real `mcp` stdio server:
//   - six `sleep 1; hostname; echo K` at max_concurrency 6: the nodes used and the wall time,
//     against the same batch pinned to one node (what placement did before runs in flight counted);
//   - the size of the answer to a 50 MB flood (cluster_bash here, offload_to n1) and to 16 items of
//     1 MB, against the uncut run result of the same flood (`run --json`).
// Needs root. Usage: bun scripts/bench/first-hour.ts [--reps N]
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startCluster } from "../../test/helpers/cluster.ts";

const CLI = join(import.meta.dir, "..", "..", "src", "cli.ts");
const LOCAL = hostname().split(".")[0] as string;
const FLOOD = "seq 1 7000000"; // 54,888,896 bytes
const { values } = parseArgs({ options: { reps: { type: "string", default: "3" } } });
const reps = Math.max(1, Number(values.reps));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const c = await startCluster(3);
try {
  for (const n of c.nodes)
    await c.setLoad(n, { load1: 0, cpuBusyPercent: 1, memTotalKb: 8e6, memAvailKb: 7e6 });
  const config = join(c.dir, "with-local.toml");
  writeFileSync(config, `${readFileSync(c.configPath, "utf8")}\n[nodes.${LOCAL}]\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: c.dir,
    CLUSTER_STATE_DIR: join(c.dir, "bench-state"),
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_SAMPLE_INTERVAL: "1",
  };
  const client = new Client({ name: "first-hour-bench", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: "ip",
      args: ["netns", "exec", `${c.id}-ctl`, process.execPath, CLI, "--config", config, "mcp"],
      env,
      stderr: "ignore",
    }),
  );
  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }, undefined, {
      timeout: 120_000,
    }) as Promise<CallToolResult>;
  for (let i = 0; i < 100; i++) {
    const s = (await call("cluster_status", {})).structuredContent as {
      nodes: Record<string, { status: string }>;
    };
    if (c.nodes.every((n) => s.nodes[n]?.status === "healthy")) break;
    await Bun.sleep(200);
  }

  // Six one-second sleeps, spread vs pinned to one node (this machine).
  const six = (pin?: string) =>
    Array.from({ length: 6 }, (_, i) => ({
      command: `sleep 1; hostname; echo K${i}`,
      ...(pin ? { node_id: pin } : {}),
    }));
  const spread: number[] = [];
  const pinned: number[] = [];
  let nodes: string[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    const res = await call("parallel_execute", { commands: six(), max_concurrency: 6 });
    spread.push(performance.now() - t);
    nodes = (res.structuredContent as { results: { node: string }[] }).results.map((x) => x.node);
    t = performance.now();
    await call("parallel_execute", { commands: six(LOCAL), max_concurrency: 6 });
    pinned.push(performance.now() - t);
  }
  console.log(
    `six × sleep 1, max_concurrency 6 (median of ${reps}): spread ${Math.round(median(spread))} ms on ` +
      `${new Set(nodes).size} nodes [${nodes.join(" ")}]; pinned to ${LOCAL} (2 cores, all six at once) ` +
      `${Math.round(median(pinned))} ms; ratio spread/pinned ${(median(spread) / median(pinned)).toFixed(2)}, ` +
      `spread/ideal(1000 ms) ${(median(spread) / 1000).toFixed(2)}`,
  );

  // Answer sizes.
  const size = (r: CallToolResult) => JSON.stringify(r).length;
  const local = await call("cluster_bash", { command: FLOOD });
  const remote = await call("offload_to", { node_id: "n1", command: FLOOD });
  const failed = await call("cluster_bash", { command: `${FLOOD} >&2; exit 1` });
  const batch = await call("parallel_execute", {
    commands: Array.from({ length: 16 }, () => "seq 1 150000"),
  });
  const uncut = await c.ctl(
    [process.execPath, CLI, "--config", config, "run", "--json", "--node", LOCAL, "--", FLOOD],
    { env, timeoutMs: 120_000 },
  );
  const base = uncut.stdout.length;
  const show = (what: string, n: number, limit: number) =>
    `  ${what.padEnd(44)} ${String(n).padStart(9)} chars (limit ${limit}; ${(n / base).toFixed(3)} of the uncut result)`;
  console.log(`answer sizes; the uncut run result of the flood (run --json) is ${base} chars:`);
  console.log(show("cluster_bash 50 MB flood (here)", size(local), 40_000));
  console.log(show("offload_to n1 50 MB flood", size(remote), 40_000));
  console.log(show("cluster_bash 50 MB flood to stderr, exit 1", size(failed), 10_000));
  console.log(show("parallel_execute 16 × 1 MB", size(batch), 100_000));
  await client.close();
} finally {
  await c.down();
}
