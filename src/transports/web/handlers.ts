// The status page's handlers, loaded by the first request for the page: the page and its files,
// the event stream (one hub for every open page) and cancel. serve pays for none of it until then.
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ClusterError, httpStatusFor } from "../../errors.ts";
import { cancelTask } from "../../tasks/cancel.ts";
import { taskView } from "../../tasks/view.ts";
import { uiAsset } from "./assets.ts";
import { StatusHub, type Subscriber } from "./hub.ts";
import { pageHeaders, renderPage } from "./page.tsx";
import type { StatusPageDeps } from "./source.ts";

export interface StatusHandlers {
  page(c: Context): Response | Promise<Response>;
  asset(c: Context): Response;
  events(c: Context): Response;
  cancel(c: Context): Promise<Response>;
  /** Ends every open event stream and stops the hub. */
  close(): void;
}

/** A comment line every so often: proxies keep the stream open, a gone page is noticed. */
const PING_MS = 15_000;

export function createStatusHandlers(deps: StatusPageDeps): StatusHandlers {
  let hub: StatusHub | undefined; // built by the first page that connects
  return {
    page: (c) => c.html(renderPage(), 200, pageHeaders()),
    asset(c) {
      const asset = uiAsset(c.req.param("file") ?? "");
      if (!asset) return c.text("not found", 404);
      return c.body(asset.body, 200, { ...pageHeaders(), "content-type": asset.type });
    },
    events(c) {
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
    },
    async cancel(c) {
      try {
        return c.json(taskView(await cancelTask(deps.tasks, c.req.param("id") ?? "")));
      } catch (err) {
        if (!(err instanceof ClusterError)) throw err;
        return c.json({ error: err.toJSON() }, httpStatusFor(err.code) as ContentfulStatusCode);
      }
    },
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
