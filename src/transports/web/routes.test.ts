// The status page's routes on the real HTTP app with a real runtime (this machine as the one
// node) and a real task store: what is served without a token, what needs it, Host/Origin checks,
// the event stream and its lazy start.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { sseReader } from "../../../test/helpers/sse.ts";
import { tempSetup } from "../../../test/tasks/helpers.ts";
import { createServer } from "../../mcp/server.ts";
import { createRuntime, type Runtime } from "../../run/runtime.ts";
import { openTasks } from "../../tasks/open.ts";
import { createHttpApp, type HttpApp } from "../http.ts";
import { mcpDepsFrom } from "../mcp-deps.ts";
import { type StatusPageDeps, statusPageDepsFrom } from "./source.ts";

const TOKEN = "status-page-test-token";
const BASE = "http://127.0.0.1:7411";
const setup = tempSetup();
let rt: Runtime;
let http: HttpApp;
/** Sampling listeners the page holds now: none until a page connects. */
let listening = 0;

beforeAll(() => {
  const tasks = openTasks(setup.config);
  rt = createRuntime(setup.config, { recorder: tasks.recorder });
  const real = statusPageDepsFrom(rt, tasks);
  const deps: StatusPageDeps = {
    ...real,
    onSampled(listener) {
      listening++;
      const off = real.onSampled(listener);
      return () => {
        listening--;
        off();
      };
    },
  };
  http = createHttpApp({
    token: TOKEN,
    host: "127.0.0.1",
    port: 7411,
    allowedOrigins: ["http://allowed.example"],
    maxBodyBytes: 64 * 1024,
    sessionIdleMs: 60_000,
    createServer: () => createServer(mcpDepsFrom(rt, "mcp-http", tasks)),
    statusPage: deps,
  });
});

afterAll(async () => {
  await http.close();
  await rt.close();
  setup.cleanup();
});

const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  http.app.request(`${BASE}${path}`, {
    ...init,
    headers: { host: "127.0.0.1:7411", ...init.headers },
  });
const bearer = { authorization: `Bearer ${TOKEN}` };
const node = hostname(); // the embedded default's one node
const mentionsNode = (text: string) => new RegExp(`\\b${node}\\b`).test(text);

describe("the status page without a token", () => {
  test("GET / is the page: no cluster data, strict content security policy", async () => {
    const r = await request("/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await r.text();
    expect(html).toStartWith("<!doctype html>");
    expect(html).toContain('<form id="login-form">');
    expect(html).toContain('<script type="module" src="/ui/main.mjs">');
    expect(mentionsNode(html)).toBe(false);
  });

  test("the browser modules and stylesheet are served from the binary; nothing else is", async () => {
    for (const f of ["main.mjs", "events.mjs", "format.mjs", "nodes.mjs", "sparkline.mjs"]) {
      const r = await request(`/ui/${f}`);
      expect([f, r.status, r.headers.get("content-type")]).toEqual([
        f,
        200,
        "text/javascript; charset=utf-8",
      ]);
    }
    expect((await request("/ui/style.css")).headers.get("content-type")).toContain("text/css");
    expect((await request("/ui/constructor")).status).toBe(404);
    expect((await request("/ui/missing.mjs")).status).toBe(404);
  });

  test("the event stream and cancel need the token: 401 and no data", async () => {
    const tries: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-of-some-length" },
    ];
    for (const headers of tries) {
      const events = await request("/api/events", { headers });
      expect(events.status).toBe(401);
      expect(events.headers.get("www-authenticate")).toContain("Bearer");
      expect(await events.text()).toBe("");
      const cancel = await request("/api/tasks/x/cancel", { method: "POST", headers });
      expect(cancel.status).toBe(401);
    }
    expect(listening).toBe(0); // nothing started for a refused caller
  });
});

describe("Host and Origin, as for /mcp", () => {
  test("a Host that is not this server is refused on every page route", async () => {
    for (const path of ["/", "/ui/main.mjs", "/api/events"]) {
      const r = await request(path, { headers: { ...bearer, host: "evil.example:7411" } });
      expect([path, r.status]).toEqual([path, 403]);
    }
  });

  test("a foreign Origin is refused even with the token; the page's own origin is not", async () => {
    const foreign = await request("/api/events", {
      headers: { ...bearer, origin: "http://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain("Origin");
    const cancelForeign = await request("/api/tasks/nope/cancel", {
      method: "POST",
      headers: { ...bearer, origin: "http://evil.example" },
    });
    expect(cancelForeign.status).toBe(403);
    // What a browser sends for the page's own POST: past the checks, to the (unknown) task.
    const own = await request("/api/tasks/nope/cancel", {
      method: "POST",
      headers: { ...bearer, origin: "http://127.0.0.1:7411" },
    });
    expect(own.status).toBe(404);
    expect(await own.json()).toMatchObject({ error: { code: "TASK_UNKNOWN" } });
    const configured = await request("/api/tasks/nope/cancel", {
      method: "POST",
      headers: { ...bearer, origin: "http://allowed.example" },
    });
    expect(configured.status).toBe(404);
  });

  test("/mcp still refuses the page's origin (only configured origins call MCP)", async () => {
    const r = await request("/mcp", {
      method: "POST",
      headers: { ...bearer, origin: "http://127.0.0.1:7411", "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(403);
  });
});

describe("the event stream", () => {
  test("starts on the first page, sends the current state, stops with the last page", async () => {
    expect(listening).toBe(0);
    const res = await request("/api/events", { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const sse = sseReader(res);
    const hello = (await sse.next("hello")) as { version: string; history_ms: number };
    expect(hello.history_ms).toBe(3_600_000);
    const history = (await sse.next("history")) as Record<string, unknown[]>;
    expect(Object.keys(history)).toEqual([node]);
    const nodes = (await sse.next("nodes")) as { nodes: Record<string, { status: string }> };
    expect(Object.keys(nodes.nodes)).toEqual([node]);
    expect(await sse.next("tasks")).toEqual({ running: [], recent: [] });
    expect(await sse.next("audit")).toEqual([]);
    expect(listening).toBe(1);

    // A run recorded meanwhile reaches the page: its end in recent runs and the audit tail.
    await rt.run({ command: "echo from-the-test", requester: "cli" });
    const tasks = (await sse.next("tasks", 10_000, (d) => {
      return (d as { recent: unknown[] }).recent.length > 0;
    })) as { recent: { command: string; state: string; exit_code: number }[] };
    expect(tasks.recent[0]).toMatchObject({
      command: "echo from-the-test",
      state: "succeeded",
      exit_code: 0,
    });
    const audit = (await sse.next("audit", 10_000, (d) => (d as unknown[]).length >= 2)) as {
      event: string;
    }[];
    expect(audit.map((a) => a.event)).toEqual(["end", "start"]);

    await sse.close();
    const deadline = performance.now() + 5000;
    while (listening > 0 && performance.now() < deadline) await Bun.sleep(20);
    expect(listening).toBe(0);
  }, 30_000);
});
