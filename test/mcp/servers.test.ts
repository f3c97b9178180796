// The real `mcp` (stdio) and `serve` (HTTP) verbs, spawned as processes and driven by SDK clients.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CLI, cli, isolatedEnv } from "../helpers/cli.ts";
import { INITIALIZE } from "../helpers/mcp.ts";
import { waitGone, waitLive } from "../helpers/procs.ts";

describe("cluster-exec mcp (stdio)", () => {
  const env = isolatedEnv();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp"],
    env,
    stderr: "pipe",
  });
  const client = new Client({ name: "stdio-test", version: "1" });
  afterAll(() => client.close());

  test("stdout carries only JSON-RPC: connect, list tools, run", async () => {
    await client.connect(transport); // any non-JSON line on stdout would break this
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("cluster_bash");
    const r = (await client.callTool({
      name: "cluster_bash",
      arguments: { command: "echo via-stdio" },
    })) as CallToolResult;
    expect(r.structuredContent).toMatchObject({ exit_code: 0, stdout: "via-stdio\n" });
  });

  test("background tasks and the audit log are wired in", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["task_status", "task_wait", "task_output", "task_cancel"]),
    );
    const started = (await client.callTool({
      name: "cluster_bash",
      arguments: { command: "echo in-background", background: true },
    })) as CallToolResult;
    const { task_id } = started.structuredContent as { task_id: string };
    expect(task_id).toBeString();
    const done = (await client.callTool({
      name: "task_wait",
      arguments: { task_id, timeout_seconds: 20 },
    })) as CallToolResult;
    expect(done.structuredContent).toMatchObject({ state: "succeeded", stdout: "in-background\n" });
    const audit = await Bun.file(
      join(env.HOME as string, ".local/state/cluster-exec/audit.jsonl"),
    ).text();
    const records = audit
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const start = records.find(
      (r) => r.requester === "mcp-stdio" && r.command === "echo via-stdio",
    );
    const fg = records.filter((r) => r.task_id === start?.task_id);
    expect(fg.map((r) => r.event)).toEqual(["start", "end"]);
    expect(fg[1]).toMatchObject({ state: "succeeded", exit_code: 0 });
  });

  test("notifications/cancelled kills the run", async () => {
    const marker = `sleep 66.${process.pid}`;
    const abort = new AbortController();
    const call = client.callTool(
      { name: "cluster_bash", arguments: { command: `echo go; ${marker}` } },
      undefined,
      {
        signal: abort.signal,
        onprogress: () => abort.abort(),
      },
    );
    await expect(call).rejects.toThrow();
    expect(await waitGone(marker)).toEqual([]);
  });
});

/** Waits for `serve` to print its URL and token on stderr. */
async function started(proc: Bun.Subprocess<"ignore" | "inherit" | "pipe", "pipe", "pipe">) {
  const reader = proc.stderr.getReader();
  let text = "";
  while (!/token: \S+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(text)?.[1] as string;
  const token = /token: (\S+)/.exec(text)?.[1] as string;
  return { url, token };
}

describe("cluster-exec serve (HTTP)", () => {
  const env = isolatedEnv();
  // Started in beforeAll, not while collecting: a run filtered to other tests skips afterAll too,
  // and would leave the server running.
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  let ready: ReturnType<typeof started>;
  beforeAll(() => {
    proc = Bun.spawn([process.execPath, CLI, "serve", "--port", "0"], {
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    ready = started(proc);
  });
  afterAll(async () => {
    proc.kill("SIGTERM");
    await proc.exited;
  });

  test("prints its URL and a generated token kept in a 0600 file; a client with it works", async () => {
    const { url, token } = await ready;
    const file = join(env.HOME as string, ".local/state/cluster-exec/http-token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await Bun.file(file).text()).trim()).toBe(token);
    expect((await fetch(url, { method: "POST" })).status).toBe(401);
    const client = new Client({ name: "http-test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const r = (await client.callTool({
      name: "cluster_bash",
      arguments: { command: "echo via-http" },
    })) as CallToolResult;
    expect(r.structuredContent).toMatchObject({ stdout: "via-http\n" });
    await client.close();
  });

  test("a client that disconnects mid-run does not leave the run going", async () => {
    const { url, token } = await ready;
    const headers = {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const init = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(INITIALIZE),
    });
    const session = init.headers.get("mcp-session-id") as string;
    await init.text();
    const h = { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" };
    await fetch(url, {
      method: "POST",
      headers: h,
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    });
    const marker = `sleep 55.${process.pid}`;
    const abort = new AbortController();
    const call = await fetch(url, {
      method: "POST",
      headers: h,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "cluster_bash",
          arguments: { command: `echo go; ${marker}` },
          _meta: { progressToken: "p" },
        },
      }),
    });
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    let seen = "";
    while (!seen.includes("notifications/progress"))
      seen += new TextDecoder().decode((await reader.read()).value);
    expect(await waitLive(marker)).not.toEqual([]);
    abort.abort(); // the client goes away mid-run
    expect(await waitGone(marker)).toEqual([]);
  });
});

describe("cluster-exec serve: hang-up", () => {
  test("SIGHUP (its terminal closed) stops the runs in flight, then the server", async () => {
    const proc = Bun.spawn([process.execPath, CLI, "serve", "--port", "0"], {
      env: isolatedEnv(),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const { url, token } = await started(proc);
      const client = new Client({ name: "hup-test", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      const marker = `sleep 56.${process.pid}`;
      const pending = client
        .callTool({ name: "cluster_bash", arguments: { command: marker } })
        .catch(() => undefined);
      expect(await waitLive(marker)).not.toEqual([]);
      proc.kill("SIGHUP");
      expect(await waitGone(marker)).toEqual([]);
      expect(await proc.exited).toBe(0);
      await pending;
      await client.close().catch(() => {});
    } finally {
      proc.kill("SIGKILL");
    }
  }, 20_000);
});

describe("cluster-exec serve: a port in use", () => {
  test("is a usage error naming host and port, exit 2", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    try {
      const r = await cli(["serve", "--port", String(taken.port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`127.0.0.1:${taken.port}`);
      expect(r.stderr).not.toContain("internal error");
    } finally {
      taken.stop(true);
    }
  });
});
