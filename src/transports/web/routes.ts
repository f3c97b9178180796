// The status page's routes on the HTTP app: the page and its files (no cluster data, no token
// needed), the event stream and cancel (bearer token). Host/Origin checks as for /mcp, with the
// page's own origin allowed. The handlers are loaded by the first request: serve starts as fast
// as before while nobody opens the page.
import type { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { type GuardOptions, hostOriginGuard } from "../guard.ts";
import type { StatusHandlers } from "./handlers.ts";
import type { StatusPageDeps } from "./source.ts";

export interface StatusPage {
  /** Ends every open event stream (when the page was ever opened). */
  close(): Promise<void>;
}

export function mountStatusPage(
  app: Hono,
  opts: GuardOptions & { token: string },
  deps: StatusPageDeps,
): StatusPage {
  let loaded: Promise<StatusHandlers> | undefined;
  const handlers = () =>
    (loaded ??= import("./handlers.ts").then((m) => m.createStatusHandlers(deps)));
  const guard = hostOriginGuard(opts, { sameOrigin: true });
  for (const path of ["/", "/ui/*", "/api/*"]) app.use(path, guard);
  app.use("/api/*", bearerAuth({ token: opts.token, realm: "cluster-exec" }));

  app.get("/", async (c) => (await handlers()).page(c));
  app.get("/ui/:file", async (c) => (await handlers()).asset(c));
  app.get("/api/events", async (c) => (await handlers()).events(c));
  app.post("/api/tasks/:id/cancel", async (c) => (await handlers()).cancel(c));

  return {
    async close() {
      (await loaded)?.close();
    },
  };
}
