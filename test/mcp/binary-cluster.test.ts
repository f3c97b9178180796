// The compiled binary as Claude Code would run it: `cluster-exec mcp` over stdio, driven by a real
// SDK client, inside the controller namespace of the netns cluster (one local node, two remote).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { buildLinuxBinary, ROOT } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { INITIALIZE } from "../helpers/mcp.ts";
import { waitGone } from "../helpers/procs.ts";

const T = 90_000;
const bin = join(ROOT, "dist", "cluster-exec-linux-x64");
let c: TestCluster;
let client: Client;
let config: string;
const env = () => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: c.dir,
  CLUSTER_NO_DAEMON: "1",
  CLUSTER_STATE_DIR: join(c.dir, "mcp-state"),
  CLUSTER_MDNS_TIMEOUT: "0",
});

describe("compiled binary over stdio in the controller namespace", () => {
  beforeAll(async () => {
    await buildLinuxBinary();
    c = await startCluster(2);
    // This machine (the controller namespace shares its hostname) is a node too: it runs in-process.
    config = join(c.dir, "with-local.toml");
    writeFileSync(
      config,
      `${readFileSync(c.configPath, "utf8")}\n[nodes.${hostname().split(".")[0]}]\n`,
    );
    const transport = new StdioClientTransport({
      command: "ip",
      args: ["netns", "exec", `${c.id}-ctl`, bin, "--config", config, "mcp"],
      env: env(),
      stderr: "ignore",
    });
    client = new Client({ name: "binary-test", version: "1" });
    await client.connect(transport);
  }, T);
  afterAll(async () => {
    await client?.close();
    await c?.down();
  }, T);

  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

  test("lists the tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["cluster_bash", "offload_to", "parallel_execute", "cluster_status"]),
    );
  });

  test("runs on the local node and on a remote node", async () => {
    const local = await call("cluster_bash", { command: "echo here" });
    expect(local.structuredContent).toMatchObject({
      node: hostname().split(".")[0],
      stdout: "here\n",
    });
    const remote = await call("offload_to", { command: "hostname", node_id: "n2" });
    expect(remote.structuredContent).toMatchObject({ node: "n2", stdout: "n2\n", exit_code: 0 });
  });

  test("progress notifications carry remote output as it arrives", async () => {
    const messages: string[] = [];
    const r = (await client.callTool(
      {
        name: "offload_to",
        arguments: { node_id: "n1", command: "echo first-line; sleep 2.2; echo second-line" },
      },
      undefined,
      { onprogress: (p) => messages.push(p.message ?? "") },
    )) as CallToolResult;
    expect(r.isError).toBe(false);
    expect(messages.some((m) => m.includes("first-line") && !m.includes("second-line"))).toBe(true);
  });

  test("cancel kills the remote process group", async () => {
    const marker = `sleep 88.${process.pid}`;
    const abort = new AbortController();
    const pending = client.callTool(
      {
        name: "offload_to",
        arguments: { node_id: "n1", command: `echo go; ${marker} & ${marker}` },
      },
      undefined,
      { signal: abort.signal, onprogress: () => abort.abort() },
    );
    await expect(pending).rejects.toThrow();
    expect(await waitGone(marker)).toEqual([]);
  });

  test(
    "a client that leaves at once (stdin closed while nodes are being sampled): clean exit",
    async () => {
      const init = INITIALIZE;
      for (let i = 0; i < 3; i++) {
        const r = await c.ctl([bin, "--config", config, "mcp"], {
          env: { ...env(), CLUSTER_STATE_DIR: join(c.dir, `quick-${i}`) },
          stdin: `${JSON.stringify(init)}\n`,
          // Generous: in CI, beside a file that starts 100 processes at once, one start-and-leave
          // took 6-7 s and one over 20 s (the bound it had). What is tested is the clean exit.
          timeoutMs: 60_000,
        });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout.split("\n")[0] as string).result.serverInfo.name).toBe(
          "cluster-exec",
        );
      }
    },
    3 * 60_000 + 10_000,
  );
});
