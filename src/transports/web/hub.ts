// The status page's event source: one hub for every open page. It starts when the first page
// connects and stops with the last, so `serve` pays nothing while nobody looks.
//
// Where the updates come from:
// - nodes: the sampler's callback after every sampling attempt (coalesced);
// - tasks, output, audit: runners are other processes, so there is no in-process event. inotify
//   (fs.watch) on the state directory (state.db-wal, audit.jsonl) and on tasks/ (output files)
//   wakes a re-read, throttled to one per REFRESH_MS; a SAFETY_POLL_MS poll covers file systems
//   without inotify events and notices runners that died (their tasks become `interrupted`).
import { type FSWatcher, watch } from "node:fs";
import { HISTORY_MS } from "../../cluster/store.ts";
import { sweepInterrupted } from "../../tasks/housekeeping.ts";
import { ensureTasksDir } from "../../tasks/paths.ts";
import { VERSION } from "../../version.ts";
import { historyPoints } from "./history.ts";
import { auditTail, outputTail, tasksPayload } from "./payloads.ts";
import type { StatusPageDeps } from "./source.ts";

/** One open page: gets (key, event, data); a newer message of the same key replaces an unsent one. */
export interface Subscriber {
  send(key: string, event: string, data: string): void;
  close(): void;
}

const NODES_COALESCE_MS = 100;
const REFRESH_MS = 200;
const SAFETY_POLL_MS = 2000;

export class StatusHub {
  private readonly subscribers = new Set<Subscriber>();
  /** The latest message of each key: what a page that connects now is sent first. */
  private readonly latest = new Map<string, { event: string; data: string }>();
  private readonly stops: (() => void)[] = [];
  private nodesTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;

  constructor(private readonly deps: StatusPageDeps) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Sends the current state at once, then every change; returns the unsubscribe. */
  subscribe(sub: Subscriber): () => void {
    if (this.subscribers.size === 0) this.start();
    this.subscribers.add(sub);
    sub.send(
      "hello",
      "hello",
      JSON.stringify({ version: VERSION, server_time: Date.now(), history_ms: HISTORY_MS }),
    );
    sub.send("history", "history", JSON.stringify(this.history()));
    for (const [key, m] of this.latest) sub.send(key, m.event, m.data);
    return () => {
      if (!this.subscribers.delete(sub)) return;
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Ends every page's stream and stops (server shutdown). */
  close(): void {
    for (const sub of [...this.subscribers]) sub.close();
    this.subscribers.clear();
    this.stop();
  }

  private start(): void {
    this.refreshNodes();
    this.refreshTasks();
    this.stops.push(this.deps.onSampled(() => this.scheduleNodes()));
    const { stateDir } = this.deps.tasks;
    for (const dir of [stateDir, ensureTasksDir(stateDir)]) {
      let w: FSWatcher;
      try {
        w = watch(dir, () => this.scheduleRefresh());
        w.on("error", () => {}); // the safety poll carries on
      } catch {
        continue;
      }
      this.stops.push(() => w.close());
    }
    const poll = setInterval(() => {
      try {
        sweepInterrupted(this.deps.tasks);
      } catch {
        // a locked database: next time
      }
      this.scheduleRefresh();
    }, SAFETY_POLL_MS);
    poll.unref();
    this.stops.push(() => clearInterval(poll));
  }

  private stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    clearTimeout(this.nodesTimer);
    clearTimeout(this.refreshTimer);
    this.nodesTimer = this.refreshTimer = undefined;
    this.latest.clear();
  }

  private publish(key: string, event: string, data: string): void {
    if (this.latest.get(key)?.data === data) return;
    this.latest.set(key, { event, data });
    for (const sub of this.subscribers) sub.send(key, event, data);
  }

  private scheduleNodes(): void {
    this.nodesTimer ??= setTimeout(() => {
      this.nodesTimer = undefined;
      this.refreshNodes();
    }, NODES_COALESCE_MS);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - Date.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.lastRefresh = Date.now();
      this.refreshTasks();
    }, wait);
  }

  private refreshNodes(): void {
    this.publish("nodes", "nodes", JSON.stringify(this.deps.report()));
  }

  private refreshTasks(): void {
    const { store, audit } = this.deps.tasks;
    let payload: ReturnType<typeof tasksPayload>;
    try {
      payload = tasksPayload(store);
    } catch {
      return; // locked past busy_timeout: the next event or poll tries again
    }
    this.publish("tasks", "tasks", JSON.stringify(payload));
    const live = new Set<string>();
    for (const t of payload.running) {
      if (!t.has_output) continue;
      const key = `output:${t.task_id}`;
      live.add(key);
      const row = store.get(t.task_id);
      const out = {
        task_id: t.task_id,
        stdout: outputTail(row?.stdout_path ?? null),
        stderr: outputTail(row?.stderr_path ?? null),
      };
      this.publish(key, "output", JSON.stringify(out));
    }
    for (const key of this.latest.keys())
      if (key.startsWith("output:") && !live.has(key)) this.latest.delete(key);
    this.publish("audit", "audit", JSON.stringify(auditTail(audit.path)));
  }

  private history(): Record<string, ReturnType<typeof historyPoints>> {
    const since = Date.now() - HISTORY_MS;
    const out: Record<string, ReturnType<typeof historyPoints>> = {};
    for (const name of Object.keys(this.deps.report().nodes)) {
      try {
        out[name] = historyPoints(this.deps.history(name, since));
      } catch {
        out[name] = [];
      }
    }
    return out;
  }
}
