// The process-wide wiring: the transports (one SSH pool, one set of ControlMasters), the sampler,
// executors per node, the run pipeline.
import { raceAbort, withTimeout } from "../abort.ts";
import type { Sampler } from "../cluster/sampler.ts";
import type { NodeView } from "../cluster/view.ts";
import type { Config } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import type { FilesFor } from "../files/api.ts";
import type { RouteDecision } from "../routing/types.ts";
import type { RunFn, RunRecorder } from "../tasks/request.ts";
import { createClusterSampler } from "./cluster-sampler.ts";
import { createDecider } from "./decide.ts";
import { createFilesFor } from "./files.ts";
import { createExecutorFor } from "./for-node.ts";
import { createRunsInFlight, type RunsInFlight } from "./in-flight.ts";
import { createStager } from "./long-command.ts";
import { createNodeExec, type NodeExec } from "./node-exec.ts";
import { createRunFn } from "./pipeline.ts";
import { createTransports } from "./transports.ts";

export interface Runtime {
  config: Config;
  run: RunFn;
  /** Policy + routing from cached samples only. */
  decide: (req: Parameters<RunFn>[0]) => RouteDecision;
  sampler: Sampler;
  /** A file transfer to a node (this machine's files, or SFTP on the pooled connection). */
  filesFor: FilesFor;
  /** A short command on a node through /bin/sh (here, or over its transport), output collected. */
  execOn: NodeExec;
  /** Runs in flight per node, shared by every caller of this runtime (placement counts them). */
  inFlight: RunsInFlight;
  /** Calls `listener` after every sampling attempt (success or failure); returns the unsubscribe. */
  onSampled(listener: (view: NodeView) => void): () => void;
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
  /**
   * Run through the nodes' resident agents where they can be started (long-lived processes:
   * a one-shot run would pay the agent's start for a single command).
   */
  agents?: boolean;
}

export function createRuntime(config: Config, opts: RuntimeOptions = {}): Runtime {
  const transports = createTransports(config, { agents: opts.agents });
  const inFlight = createRunsInFlight();
  // Listeners (the status page) come and go; the sampler keeps its one callback.
  const sampled = new Set<(view: NodeView) => void>();
  const sampler = createClusterSampler(config, {
    transports,
    running: inFlight.count,
    onUpdate: (view) => {
      for (const listener of sampled) listener(view);
    },
  });
  if (opts.sampleInBackground) sampler.start();
  const executors = new Map<string, Executor>();
  const executorFor = (node: string): Executor => {
    // A node whose resolved address turned out to be this machine's runs in-process, never over SSH.
    const isLocal = sampler.isLocal(node);
    const key = isLocal ? `${node}\u0000local` : node;
    let e = executors.get(key);
    if (!e) {
      e = createExecutorFor(node, config, { transports, isLocal });
      executors.set(key, e);
    }
    return e;
  };
  const decide = createDecider({ config, views: () => sampler.snapshots() });
  const filesFor = createFilesFor(config, {
    transports,
    isLocal: (node) => sampler.isLocal(node),
  });
  const runOnce = createRunFn({
    config,
    decide,
    executorFor,
    recorder: opts.recorder,
    inFlight,
    stage: createStager(filesFor),
  });
  // Runs in flight, so that close() can stop them: a closed SSH channel does not kill a remote
  // command, only the kill over a second channel does, and that needs the transports still open.
  const inflight = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  const run: RunFn = (req, hooks = {}) => {
    const signal = hooks.signal
      ? AbortSignal.any([hooks.signal, shutdown.signal])
      : shutdown.signal;
    const p = runOnce(req, { ...hooks, signal });
    // Runs are evidence of a node's reachability, fresher than its last sample.
    void p.then(
      (r) => {
        if (!r.error && (r.exit_code !== null || r.signal !== null)) sampler.noteRun(r.node, true);
        else if (r.error?.code === "UNREACHABLE") sampler.noteRun(r.node, false, r.error.message);
      },
      () => {},
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  };
  return {
    config,
    run,
    decide,
    sampler,
    filesFor,
    execOn: createNodeExec(config, {
      remote: transports.remoteExec,
      isLocal: (node) => sampler.view(node)?.isLocal === true,
    }),
    inFlight,
    onSampled(listener) {
      sampled.add(listener);
      return () => sampled.delete(listener);
    },
    async refreshIfStale(signal) {
      const staleAfter = 3 * config.settings.sample_interval * 1000;
      const stale = (v: { sample?: { sampled_at: number } }) =>
        !v.sample || Date.now() - v.sample.sampled_at > staleAfter;
      if (Object.keys(config.nodes).length < 2 || !sampler.snapshots().some(stale)) return;
      const sampled = sampler.sampleNow({
        timeoutMs: config.settings.status_timeout * 1000,
        force: false,
      });
      // Canceled: stop waiting (the round itself ends within status_timeout).
      await raceAbort(sampled, signal).catch(() => {});
    },
    async close() {
      shutdown.abort();
      const { kill_grace, ssh_timeout } = config.settings;
      await withTimeout(Promise.allSettled([...inflight]), (kill_grace + ssh_timeout + 1) * 1000);
      await sampler.close();
      await Promise.all([...executors.values()].map((e) => e.close()));
      await transports.close();
    },
  };
}
