// The process-wide wiring: one SSH pool, the sampler, executors per node, the run pipeline.
import type { Sampler } from "../cluster/sampler.ts";
import { createClusterSampler } from "../cluster/start.ts";
import type { Config } from "../config/load.ts";
import { findLocalNode } from "../discovery/local.ts";
import type { Executor } from "../exec/executor.ts";
import { createExecutorFor } from "../exec/for-node.ts";
import type { RunFn, RunRecorder } from "../exec/request.ts";
import type { RouteDecision } from "../routing/types.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import { createDecider } from "./decide.ts";
import { createRunFn } from "./pipeline.ts";

export interface Runtime {
  config: Config;
  localNode: string | undefined;
  run: RunFn;
  /** Policy + routing from cached samples only. */
  decide: (req: Parameters<RunFn>[0]) => RouteDecision;
  sampler: Sampler;
  running: Map<string, number>;
  /**
   * One-shot verbs have no background sampler: when a routing choice exists (several nodes) and a
   * sample is stale, sample now, bounded by status_timeout. Servers keep samples fresh instead.
   */
  refreshIfStale(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  recorder?: RunRecorder;
  /** Start background sampling now (servers); one-shot verbs sample on demand. */
  sampleInBackground?: boolean;
}

export function createRuntime(config: Config, opts: RuntimeOptions = {}): Runtime {
  const pool = new SshPool(poolOptionsFrom(config));
  const running = new Map<string, number>();
  const sampler = createClusterSampler(config, { pool, running: (n) => running.get(n) ?? 0 });
  if (opts.sampleInBackground) sampler.start();
  const executors = new Map<string, Executor>();
  const executorFor = (node: string): Executor => {
    let e = executors.get(node);
    if (!e) {
      e = createExecutorFor(node, config, { pool });
      executors.set(node, e);
    }
    return e;
  };
  const localNode = findLocalNode(config);
  const decide = createDecider({ config, localNode, views: () => sampler.views() });
  const run = createRunFn({ config, decide, executorFor, recorder: opts.recorder, running });
  return {
    config,
    localNode,
    run,
    decide,
    sampler,
    running,
    async refreshIfStale(signal) {
      if (Object.keys(config.nodes).length < 2 || !sampler.views().some((v) => v.stale)) return;
      const sampled = sampler.sampleNow({
        timeoutMs: config.settings.status_timeout * 1000,
        force: false,
      });
      await (signal ? Promise.race([sampled, abortion(signal)]) : sampled);
    },
    async close() {
      await sampler.close();
      await Promise.all([...executors.values()].map((e) => e.close()));
      await pool.close();
    },
  };
}

function abortion(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
