// MCP over Streamable HTTP (Hono): bearer token, Host/Origin checks, body limit, one server per session.
import { randomUUID } from "node:crypto";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { timingSafeEqual } from "hono/utils/buffer";
import { abortRequests, hasRequestsInFlight } from "../mcp/request-signals.ts";
import { VERSION } from "../version.ts";
import { hostOriginGuard } from "./guard.ts";
import { mountStatusPage, type StatusPage } from "./web/routes.ts";
import type { StatusPageDeps } from "./web/source.ts";

export interface HttpOptions {
  token: string;
  /** The address the server binds; Host headers must name it (DNS-rebinding protection). */
  host: string;
  port: number;
  /** Origins allowed when a request carries an Origin header (browsers); default none. */
  allowedOrigins: string[];
  maxBodyBytes: number;
  sessionIdleMs: number;
  createServer: () => McpServer;
  /** The live status page at GET / (serve); nothing of it starts until someone opens it. */
  statusPage?: StatusPageDeps;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

export interface HttpApp {
  app: Hono;
  sessions: Map<string, Session>;
  close(): Promise<void>;
}

export function createHttpApp(opts: HttpOptions): HttpApp {
  const sessions = new Map<string, Session>();
  const app = new Hono();

  // Anyone may ask whether it is up; only a caller with the token learns what is running.
  app.get("/healthz", async (c) => {
    const auth = c.req.header("authorization") ?? "";
    const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? "";
    const known = given !== "" && (await timingSafeEqual(given, opts.token));
    return c.json(
      known ? { status: "ok", name: "cluster-exec", version: VERSION } : { status: "ok" },
    );
  });
  const page: StatusPage | undefined = opts.statusPage
    ? mountStatusPage(app, opts, opts.statusPage)
    : undefined;

  app.use("/mcp", hostOriginGuard(opts));
  app.use("/mcp", bearerAuth({ token: opts.token, realm: "cluster-exec" }));
  app.use(
    "/mcp",
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: () => {
        throw new HTTPException(413, { message: `request body over ${opts.maxBodyBytes} bytes` });
      },
    }),
  );

  app.all("/mcp", async (c) => {
    const id = c.req.header("mcp-session-id");
    if (id) {
      const session = sessions.get(id);
      if (!session) return rpcError(404, "unknown or expired session; initialize again");
      session.lastSeen = Date.now();
      if (c.req.method !== "POST") return session.transport.handleRequest(c.req.raw);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return Response.json(
          {
            jsonrpc: "2.0",
            error: { code: -32700, message: "Parse error: the body is not JSON" },
            id: null,
          },
          { status: 400 },
        );
      }
      // A client that drops this POST's connection is gone: its runs are canceled, not left running.
      const ids = requestIds(body);
      if (ids.length > 0)
        c.req.raw.signal.addEventListener("abort", () => abortRequests(id, ids), { once: true });
      return session.transport.handleRequest(c.req.raw, { parsedBody: body });
    }
    if (c.req.method !== "POST") return rpcError(400, "missing mcp-session-id header");
    // A new session: one server + transport per client (a shared transport breaks the second client).
    const server = opts.createServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, { transport, server, lastSeen: Date.now() });
      },
      onsessionclosed: (sid) => {
        sessions.delete(sid);
        void server.close();
      },
    });
    await server.connect(transport);
    const res = await transport.handleRequest(c.req.raw);
    if (!transport.sessionId) void server.close(); // not an initialize request: nothing to keep
    return res;
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      return new Response(err.message || res.statusText, {
        status: res.status,
        headers: res.headers,
      });
    }
    console.error(`cluster-exec http: ${err.stack ?? err.message}`);
    return c.text("internal error", 500);
  });

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [sid, s] of sessions)
        if (hasRequestsInFlight(sid))
          s.lastSeen = now; // a long tool call is no idleness
        else if (now - s.lastSeen > opts.sessionIdleMs) {
          sessions.delete(sid);
          void s.transport.close();
          void s.server.close();
        }
    },
    Math.min(60_000, Math.max(1000, opts.sessionIdleMs / 4)),
  );
  sweep.unref();

  return {
    app,
    sessions,
    async close() {
      clearInterval(sweep);
      await page?.close();
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(
        all.map(async (s) => {
          await s.transport.close();
          await s.server.close();
        }),
      );
    },
  };
}

function rpcError(status: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status });
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** JSON-RPC request ids in a body (one message or a batch); notifications have none. */
function requestIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) =>
    m &&
    typeof m === "object" &&
    "method" in m &&
    "id" in m &&
    (typeof m.id === "string" || typeof m.id === "number")
      ? [m.id]
      : [],
  );
}
