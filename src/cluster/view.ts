// NodeView: what the router and `cluster-status` know about a node, read from caches only.
import type { Database } from "bun:sqlite";
import type { Config, NodeConfig } from "../config/load.ts";
import { isLocalNode } from "../discovery/local.ts";
import { type Resolution, type Resolver, summarise } from "../discovery/resolve.ts";
import type { NodeView as RoutingNodeView } from "../routing/types.ts";
import { factMismatches, healthOf } from "./health.ts";
import type { LoadSample } from "./probe.ts";
import type { SampleMethod } from "./remote-probe.ts";
import { type NodeState, SampleStore, type StoredSample } from "./store.ts";

/** The routing view of a node (routing/types.ts) plus what `cluster-status` shows about it. */
export interface NodeView extends RoutingNodeView {
  /** Why this health: thresholds exceeded, the last error, "never sampled". */
  reasons: string[];
  /** How the sample was taken: in-process, `cluster-exec probe` on the node, or the POSIX script. */
  method?: SampleMethod;
  /** Consecutive failed sampling attempts. */
  failures: number;
  last_error?: string;
  /** Configured static facts the node contradicts. */
  warnings: string[];
  /** No sample newer than three sampling periods: the caller may want a fresh one. */
  stale: boolean;
  address?: string;
  resolved_via: Resolution["resolved_via"];
  /** The step that produced a cached address (mdns | dns | fallback). */
  address_source: Resolution["source"];
  address_age_s?: number;
  /** Each resolution step and its outcome, e.g. "mdns n1.local: 127.0.0.1 rejected (loopback); …". */
  resolution?: string;
}

export interface ViewInputs {
  node: NodeConfig;
  sample?: StoredSample;
  state?: Pick<NodeState, "failures" | "last_error">;
  resolution?: Resolution;
  isLocal: boolean;
  running: number;
  now: number;
  settings: Config["settings"];
}

export function buildView(i: ViewInputs): NodeView {
  const failures = i.state?.failures ?? 0;
  const verdict = healthOf(
    { sample: i.sample, failures, lastError: i.state?.last_error },
    i.settings,
  );
  const staleAfter = 3 * i.settings.sample_interval * 1000;
  const { method, ...sample } = i.sample ?? ({} as Partial<StoredSample>);
  return {
    name: i.node.name,
    config: i.node,
    sample: i.sample ? (sample as LoadSample & { sampled_at: number }) : undefined,
    health: verdict.health,
    running: i.running,
    isLocal: i.isLocal,
    reasons: verdict.reasons,
    method,
    failures,
    last_error: i.state?.last_error,
    warnings: i.sample ? factMismatches(i.node, i.sample) : [],
    stale: !i.sample || i.now - i.sample.sampled_at > staleAfter,
    address: i.resolution?.address,
    resolved_via: i.resolution?.resolved_via ?? null,
    address_source: i.resolution?.source ?? null,
    address_age_s: i.resolution?.address ? i.resolution.age_s : undefined,
    resolution: i.resolution?.attempts.length ? summarise(i.resolution.attempts) : undefined,
  };
}

export interface ReadViewsOptions {
  db: Database;
  resolver?: Resolver;
  running?: (node: string) => number;
  isLocal?: (node: string) => boolean;
  clock?: () => number;
}

/**
 * Views from the state database alone (what a running sampler, in this or another process, last
 * stored): no network I/O. For a process that runs no sampler of its own, e.g. `route`.
 */
export function readNodeViews(config: Config, opts: ReadViewsOptions): NodeView[] {
  const store = new SampleStore(opts.db);
  const now = (opts.clock ?? Date.now)();
  return Object.values(config.nodes).map((node) =>
    buildView({
      node,
      sample: store.latest(node.name),
      state: store.state(node.name),
      resolution: opts.resolver?.peek(node.name),
      isLocal:
        opts.isLocal?.(node.name) ??
        isLocalNode(node.name, config, { cachedAddress: opts.resolver?.peek(node.name)?.address }),
      running: opts.running?.(node.name) ?? 0,
      now,
      settings: config.settings,
    }),
  );
}
