// parallel_execute spreads on the netns cluster (this machine plus n1–n3, the nodes made to look
// idle through their fake /proc files): each item is placed when it starts and takes one slot of
// its node, so six one-second sleeps at concurrency 6 use at least three nodes and end in ~1 s.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CLI } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";

const T = 90_000;
const LOCAL = hostname().split(".")[0] as string;
let c: TestCluster;
let client: Client;

interface Item {
  node: string;
  command: string;
  stdout: string;
  exit_code: number | null;
  duration_ms: number;
  route: { reason: string };
}

beforeAll(async () => {
  c = await startCluster(3);
  for (const n of c.nodes)
    await c.setLoad(n, {
      load1: 0,
      cpuBusyPercent: 1,
      memTotalKb: 8_000_000,
      memAvailKb: 7_000_000,
    });
  // This machine (the controller shares its hostname) is a node too.
  const config = join(c.dir, "with-local.toml");
  writeFileSync(config, `${readFileSync(c.configPath, "utf8")}\n[nodes.${LOCAL}]\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: c.dir,
    CLUSTER_NO_DAEMON: "1",
    CLUSTER_STATE_DIR: join(c.dir, "placement-state"),
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_SAMPLE_INTERVAL: "1",
  };
  client = new Client({ name: "placement-test", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: "ip",
      args: ["netns", "exec", `${c.id}-ctl`, process.execPath, CLI, "--config", config, "mcp"],
      env,
      stderr: "ignore",
    }),
  );
  // Routing reads cached samples only: wait until every remote node has one.
  for (let i = 0; i < 100; i++) {
    const s = await call("cluster_status", {});
    const nodes = (s.structuredContent as { nodes: Record<string, { status: string }> }).nodes;
    if (c.nodes.every((n) => nodes[n]?.status === "healthy")) return;
    await Bun.sleep(200);
  }
  throw new Error("the remote nodes never turned healthy");
}, T);

afterAll(async () => {
  await client?.close();
  await c?.down();
}, T);

function call(name: string, args: Record<string, unknown>) {
  return client.callTool({ name, arguments: args }, undefined, {
    timeout: T,
  }) as Promise<CallToolResult>;
}

const batchOf = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `sleep 1; hostname; echo ${tag}${i}`);

describe("parallel_execute spreads over the nodes", () => {
  test(
    "six one-second sleeps at max_concurrency 6: at least 3 nodes, under 2.5 s, in input order, each reason says why",
    async () => {
      const commands = batchOf(6, "K");
      const started = performance.now();
      const r = await call("parallel_execute", { commands, max_concurrency: 6 });
      const ms = performance.now() - started;
      const results = (r.structuredContent as { results: Item[] }).results;
      expect(r.isError).toBe(false);
      expect(results.map((x) => x.command)).toEqual(commands);
      results.forEach((x, i) => {
        expect(x.stdout).toBe(`${x.node === LOCAL ? hostname() : x.node}\nK${i}\n`);
        expect(x.route.reason).toContain(x.node);
        expect(x.route.reason).toMatch(/free slot|most free capacity|only eligible/);
      });
      const used = new Set(results.map((x) => x.node));
      console.log(
        `six sleeps: ${Math.round(ms)} ms on ${[...used].join(", ")} (${results.map((x) => `${x.node} ${x.duration_ms} ms`).join(", ")})`,
      );
      expect(used.size).toBeGreaterThanOrEqual(3);
      // Every node has 2 cores: none takes more than its two slots while others are free.
      for (const n of used)
        expect(results.filter((x) => x.node === n).length).toBeLessThanOrEqual(2);
      expect(ms).toBeLessThan(2500);
    },
    T,
  );

  test(
    "two batches at once in one server see each other's runs: together they spread too",
    async () => {
      const [a, b] = await Promise.all([
        call("parallel_execute", { commands: batchOf(3, "A"), max_concurrency: 3 }),
        call("parallel_execute", { commands: batchOf(3, "B"), max_concurrency: 3 }),
      ]);
      const nodes = [a, b].flatMap((r) =>
        (r.structuredContent as { results: Item[] }).results.map((x) => x.node),
      );
      expect(new Set(nodes).size).toBeGreaterThanOrEqual(3);
      for (const n of new Set(nodes))
        expect(nodes.filter((x) => x === n).length).toBeLessThanOrEqual(2);
    },
    T,
  );

  test(
    "offload_to a remote node of a 50 MB flood: under 40,000 characters",
    async () => {
      const r = await call("offload_to", { node_id: "n1", command: "seq 1 7000000" });
      expect(r.isError).toBe(false);
      expect(JSON.stringify(r).length).toBeLessThan(40_000);
      expect(r.structuredContent).toMatchObject({ node: "n1", stdout_bytes: 54_888_896 });
    },
    T,
  );
});
