// Runs in flight per node: what placement counts on top of the sampled load (each run takes one
// slot of its node's cores). One per runtime, so every MCP session, HTTP client and batch of the
// process sees the others' runs; a shared front process can later hold the one count for all.

import { type IdleCollector, idleCollector } from "../exec/memory.ts";

export interface RunsInFlight {
  count(node: string): number;
  /** Takes one slot on `node`; the returned function gives it back (once, however often called). */
  take(node: string): () => void;
  /** Nodes with runs in flight and how many. */
  snapshot(): Record<string, number>;
}

export function createRunsInFlight(collector: IdleCollector = idleCollector): RunsInFlight {
  const counts = new Map<string, number>();
  return {
    count: (node) => counts.get(node) ?? 0,
    take(node) {
      counts.set(node, (counts.get(node) ?? 0) + 1);
      collector.busy();
      let given = false;
      return () => {
        if (given) return;
        given = true;
        const left = (counts.get(node) ?? 1) - 1;
        if (left > 0) counts.set(node, left);
        else counts.delete(node);
        // Idle once no run of this runtime is left (the memory goes back after a burst).
        collector.ended(counts.size === 0);
      };
    },
    snapshot: () => Object.fromEntries(counts),
  };
}
