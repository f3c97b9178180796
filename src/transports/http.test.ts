import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { INITIALIZE } from "../../test/helpers/mcp.ts";
import { toRunResult } from "../exec/result.ts";
import type { McpDeps } from "../mcp/deps.ts";
import { createServer } from "../mcp/server.ts";
import { createHttpApp, type HttpApp } from "./http.ts";

const TOKEN = "t0ken-for-tests";
const deps: McpDeps = {
  requester: "mcp-http",
  defaultConcurrency: () => 2,
  clusterStatus: async () => ({ local_node: null, nodes: {} }),
  run: async (req) => {
    await Bun.sleep(50); // long enough for two clients' calls to overlap
    return toRunResult(
      {
        exit_code: 0,
        signal: null,
        stdout: `ran ${req.command}\n`,
        stderr: "",
        truncated: false,
        duration_ms: 50,
        timed_out: false,
        canceled: false,
      },
      { task_id: "t", node: "local", command: req.command },
    );
  },
};

let http: HttpApp;
let server: ReturnType<typeof Bun.serve>;
let base: string;
beforeAll(() => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => http.app.fetch(req) });
  http = createHttpApp({
    token: TOKEN,
    host: "127.0.0.1",
    port: server.port as number,
    allowedOrigins: ["http://allowed.example"],
    maxBodyBytes: 64 * 1024,
    sessionIdleMs: 60_000,
    createServer: () => createServer(deps),
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await http.close();
  server.stop(true);
});

const init = INITIALIZE;
const post = (headers: Record<string, string>, body: unknown = init) =>
  fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
  });
  const client = new Client({ name: "http-test", version: "1" });
  await client.connect(transport);
  return { client, transport };
}

describe("HTTP transport security", () => {
  test("GET /healthz answers without a token, and tells only a caller with it what runs", async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ok" });
    const wrong = await fetch(`${base}/healthz`, { headers: { authorization: "Bearer nope" } });
    expect(await wrong.json()).toEqual({ status: "ok" });
    const known = await fetch(`${base}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await known.json()).toMatchObject({
      status: "ok",
      name: "cluster-exec",
      version: expect.any(String),
    });
  });
  test("no token: 401 with WWW-Authenticate", async () => {
    const r = await post({});
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });
  test("wrong token: 401", async () => {
    const r = await post({ authorization: "Bearer nope" });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toContain("invalid_token");
  });
  test("foreign Origin: 403, allowed Origin passes", async () => {
    const bad = await post({ authorization: `Bearer ${TOKEN}`, origin: "http://evil.example" });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("evil.example");
    const good = await post({ authorization: `Bearer ${TOKEN}`, origin: "http://allowed.example" });
    expect(good.status).toBe(200);
  });
  test("a Host header that is not this server (DNS rebinding): 403", async () => {
    const r = await http.app.request("/mcp", {
      method: "POST",
      headers: {
        host: "attacker.example:7411",
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(init),
    });
    expect(r.status).toBe(403);
  });
  test("a body over the limit: 413", async () => {
    const r = await post({ authorization: `Bearer ${TOKEN}` }, "x".repeat(70 * 1024));
    expect(r.status).toBe(413);
  });
  test("an unknown session id: 404", async () => {
    const r = await post({ authorization: `Bearer ${TOKEN}`, "mcp-session-id": "no-such-session" });
    expect(r.status).toBe(404);
  });
});

describe("HTTP sessions", () => {
  test("two clients in parallel get separate sessions and both work", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.transport.sessionId).toBeString();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const [ra, rb] = (await Promise.all([
      a.client.callTool({ name: "cluster_bash", arguments: { command: "echo a" } }),
      b.client.callTool({ name: "cluster_bash", arguments: { command: "echo b" } }),
    ])) as CallToolResult[];
    expect(ra?.structuredContent).toMatchObject({ stdout: "ran echo a\n" });
    expect(rb?.structuredContent).toMatchObject({ stdout: "ran echo b\n" });
    await a.client.close();
    await b.client.close();
  });

  test("DELETE ends a session; its id is then unknown", async () => {
    const { client, transport } = await connect();
    const sid = transport.sessionId as string;
    expect(http.sessions.has(sid)).toBe(true);
    await transport.terminateSession();
    expect(http.sessions.has(sid)).toBe(false);
    const r = await post(
      { authorization: `Bearer ${TOKEN}`, "mcp-session-id": sid },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
    );
    expect(r.status).toBe(404);
    await client.close();
  });
});

describe("HTTP idle sessions", () => {
  test("a session with a tool call in flight is not idle: the call is not canceled", async () => {
    const slow: McpDeps = {
      ...deps,
      run: async (req, hooks = {}) => {
        const signal = hooks.signal;
        const canceled = await Promise.race([
          Bun.sleep(2500).then(() => false),
          new Promise<boolean>((r) => signal?.addEventListener("abort", () => r(true))),
        ]);
        return toRunResult(
          {
            exit_code: canceled ? null : 0,
            signal: null,
            stdout: "",
            stderr: "",
            truncated: false,
            duration_ms: 2500,
            timed_out: false,
            canceled,
          },
          { task_id: "t", node: "local", command: req.command },
        );
      },
    };
    const srv = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => app.app.fetch(req) });
    const app = createHttpApp({
      token: TOKEN,
      host: "127.0.0.1",
      port: srv.port as number,
      allowedOrigins: [],
      maxBodyBytes: 64 * 1024,
      sessionIdleMs: 1000, // swept every second
      createServer: () => createServer(slow),
    });
    try {
      const transport = new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${srv.port}/mcp`),
        { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } },
      );
      const client = new Client({ name: "idle-test", version: "1" });
      await client.connect(transport);
      const r = (await client.callTool(
        { name: "cluster_bash", arguments: { command: "sleep 2.5" } },
        undefined,
        { timeout: 10_000 },
      )) as CallToolResult;
      expect(r.structuredContent).toMatchObject({ canceled: false, exit_code: 0 });
      const sid = transport.sessionId as string;
      expect(app.sessions.has(sid)).toBe(true);
      await Bun.sleep(2500); // idle now: swept
      expect(app.sessions.has(sid)).toBe(false);
      await client.close();
    } finally {
      await app.close();
      srv.stop(true);
    }
  }, 20_000);
});
