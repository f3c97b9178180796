// The status page's routes on the HTTP app: the page and its files (no cluster data, no token
// needed), the event stream and cancel (bearer token). Host/Origin checks as for /mcp, with the
// page's own origin allowed.
import type { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ClusterError, httpStatusFor } from "../../errors.ts";
import { cancelTask } from "../../tasks/cancel.ts";
import { taskView } from "../../tasks/view.ts";
import { type GuardOptions, hostOriginGuard } from "../guard.ts";
import { uiAsset } from "./assets.ts";
import { StatusHub, type Subscriber } from "./hub.ts";
import { pageHeaders, renderPage } from "./page.tsx";
import type { StatusPageDeps } from "./source.ts";

export interface StatusPage {
  /** Ends every open event stream and stops the hub. */
  close(): void;
}

/** A comment line every so often: proxies keep the stream open, a gone page is noticed. */
const PING_MS = 15_000;

export function mountStatusPage(
  app: Hono,
  opts: GuardOptions & { token: string },
  deps: StatusPageDeps,
): StatusPage {
  let hub: StatusHub | undefined; // built by the first page that connects
  const guard = hostOriginGuard(opts, { sameOrigin: true });
  const auth = bearerAuth({ token: opts.token, realm: "cluster-exec" });
  for (const path of ["/", "/ui/*", "/api/*"]) app.use(path, guard);
  app.use("/api/*", auth);

  app.get("/", (c) => c.html(renderPage(), 200, pageHeaders()));
  app.get("/ui/:file", (c) => {
    const asset = uiAsset(c.req.param("file"));
    if (!asset) return c.text("not found", 404);
    return c.body(asset.body, 200, { ...pageHeaders(), "content-type": asset.type });
  });

  app.get("/api/events", (c) => {
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      hub ??= new StatusHub(deps);
      let end = () => {};
      const ended = new Promise<void>((resolve) => {
        end = resolve;
      });
      const unsubscribe = hub.subscribe(subscriberOn(stream, end));
      const ping = setInterval(() => void stream.write(": ping\n\n").catch(end), PING_MS);
      stream.onAbort(end);
      await ended;
      clearInterval(ping);
      unsubscribe();
    });
  });

  app.post("/api/tasks/:id/cancel", async (c) => {
    const id = c.req.param("id");
    try {
      const row = await cancelTask(deps.tasks, id);
      return c.json(taskView(row));
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      return c.json({ error: err.toJSON() }, httpStatusFor(err.code) as ContentfulStatusCode);
    }
  });

  return {
    close() {
      hub?.close();
    },
  };
}

/**
 * Messages to one page, written one at a time; while one is being written, newer messages of the
 * same key replace older unsent ones, so a slow page costs one message per key, never a queue.
 */
function subscriberOn(stream: SSEStreamingApi, ended: () => void): Subscriber {
  const pending = new Map<string, { event: string; data: string }>();
  let writing = false;
  let closed = false;
  const pump = async () => {
    if (writing) return;
    writing = true;
    try {
      for (let next = pending.entries().next(); !next.done; next = pending.entries().next()) {
        const [key, m] = next.value;
        pending.delete(key);
        await stream.writeSSE(m);
      }
    } catch {
      closed = true;
      ended();
    } finally {
      writing = false;
    }
  };
  return {
    send(key, event, data) {
      if (closed) return;
      pending.set(key, { event, data });
      void pump();
    },
    close() {
      closed = true;
      ended();
    },
  };
}
