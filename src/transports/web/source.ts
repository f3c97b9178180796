// What the status page reads, and its wiring from the runtime: the node report and its history,
// sampling events, the task store. Nothing here starts work; the hub asks when a page is open.
import { type StatusReport, statusReport } from "../../cluster/report.ts";
import { SampleStore, type StoredSample } from "../../cluster/store.ts";
import type { Runtime } from "../../run/runtime.ts";
import { openStateDb } from "../../state/db.ts";
import type { Tasks } from "../../tasks/open.ts";

export interface StatusPageDeps {
  /** The `cluster-status --json` report, from the sampler's memory (no I/O). */
  report(): StatusReport;
  /** A node's stored samples since `sinceMs`, oldest first. */
  history(node: string, sinceMs: number): StoredSample[];
  /** Calls back after every sampling attempt; returns the unsubscribe. */
  onSampled(listener: () => void): () => void;
  tasks: Tasks;
}

export function statusPageDepsFrom(rt: Runtime, tasks: Tasks): StatusPageDeps {
  let samples: SampleStore | undefined;
  return {
    report: () => statusReport(rt.sampler.views()),
    history(node, sinceMs) {
      samples ??= new SampleStore(openStateDb(rt.config.settings.state_dir));
      return samples.history(node, sinceMs);
    },
    onSampled: (listener) => rt.onSampled(listener),
    tasks,
  };
}
