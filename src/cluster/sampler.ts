// The background load sampler: every node every sample_interval seconds, concurrently; the local
// node in-process, the others over the pooled SSH connection. Results go to SQLite and memory.
import type { Database } from "bun:sqlite";
import { withTimeout } from "../abort.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { detectLocalFacts } from "../config/local-facts.ts";
import { type Resolver, summarise } from "../discovery/resolve.ts";
import { ClusterError, toClusterError } from "../errors.ts";
import type { TransportChoice } from "../openssh/choose-transport.ts";
import { bestEffortWrite } from "../state/db.ts";
import { detectLocalCapabilities } from "./capabilities.ts";
import { backoffMs } from "./health.ts";
import { type LoadSample, sampleLocal } from "./probe.ts";
import { checkProbeSample, parseRemoteProbe, remoteProbeScript } from "./remote-probe.ts";
import { parseSlurmSample, sinfoScript } from "./slurm-sample.ts";
import { HISTORY_MS, SampleStore, type StoredSample } from "./store.ts";
import { buildView, type NodeSnapshot, type NodeView } from "./view.ts";

export interface RemoteExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs one short command on a remote node over its pooled connection. */
export type RemoteExec = (
  node: NodeConfig,
  command: string,
  opts: { timeoutMs: number; signal: AbortSignal },
) => Promise<RemoteExecResult>;

export interface SamplerOptions {
  config: Config;
  db: Database;
  remote: RemoteExec;
  /** For showing addresses and forgetting one that stopped answering. */
  resolver?: Resolver;
  clock?: () => number;
  /** In-process sample of this machine; default probe.ts's sampleLocal. */
  local?: () => Promise<LoadSample>;
  /** This machine's capabilities, known before its first sample; default the PATH and devices. */
  localCapabilities?: () => string[];
  /** Running tasks per node, from the task runner. */
  running?: (node: string) => number;
  /**
   * How a remote node is reached (asked before each remote sample; the caller caches it). An
   * openssh node's address is what ssh itself resolves: discovery is skipped for it.
   */
  transport?: (node: NodeConfig) => Promise<TransportChoice>;
  /**
   * A sample from the node's resident agent (pushed, or asked for over its channel): no command
   * to start. Undefined when the node has no agent up; then the probe command runs.
   */
  agentSample?: (
    node: NodeConfig,
    timeoutMs: number,
  ) => Promise<{ value?: unknown; error?: string; at: number } | undefined>;
  /** The node's agent state for views (cluster-status says which path a node uses). */
  agentStatus?: (node: string) => { state: string; detail: string };
  /** Is this node the machine we run on? Asked at start and again after each address lookup. */
  isLocal: (node: string) => boolean;
  /** Is a slurm node's submit host this machine (no address to resolve: `remote` runs it here)? */
  submitIsLocal?: (node: NodeConfig) => boolean;
  /** Called after every attempt (tests, progress). */
  onUpdate?: (view: NodeView) => void;
}

export interface SampleNowOptions {
  /** Answer within this many ms; nodes still being sampled then are reported unreachable. */
  timeoutMs?: number;
  /** Ignore backoff (a person asked now). Default true. */
  force?: boolean;
  /**
   * A node still being sampled at the deadline is shown from its last good sample when that is
   * at most this old (a process that samples in the background has one), not as unreachable.
   */
  freshMs?: number;
}

export interface Sampler {
  /** Starts the background loop (idempotent). The timer is unref'd: it never keeps a process alive. */
  start(): void;
  /** One round now, for every node; resolves with the views within timeoutMs. */
  sampleNow(opts?: SampleNowOptions): Promise<NodeView[]>;
  /** The current views, from memory: no I/O. */
  views(): NodeView[];
  /**
   * What routing reads, per node: its sample, health, runs in flight, whether it is this machine.
   * Cached per node until its next sample: a decision costs the same whatever the cluster's size
   * (views() also looks up addresses and explains them).
   */
  snapshots(): NodeSnapshot[];
  /** Is this node this machine (as far as sampling found out)? */
  isLocal(node: string): boolean;
  view(node: string): NodeView | undefined;
  /**
   * What a run learned about its node: the node answered it, or it could not be reached. A node
   * that runs reach is not kept out of routing by one failed sample (a busy controller misses
   * some). One a run found dead (connection refused, no route, no such host) is out at once
   * rather than at its next sample; one a run only timed out on is sampled again now, and the
   * sample decides (on an overloaded controller connects time out to live nodes, and taking
   * each out at once emptied a 90-node cluster: 518 of 1,000 batch items got NO_NODE).
   */
  noteRun(node: string, reached: boolean, error?: string): void;
  close(): Promise<void>;
}

/** Sampling state of a node, kept in memory: a new process starts with a clean slate. */
interface NodeState {
  node: string;
  failures: number;
  last_error?: string;
  next_attempt_at: number;
}

interface Slot {
  node: NodeConfig;
  isLocal: boolean;
  sample?: StoredSample;
  /** This machine's capabilities (local slots only): a routing decision needs no sample for them. */
  detected?: string[];
  state: NodeState;
  transport?: TransportChoice;
  inflight?: Promise<void>;
  /** The routing snapshot without `running`, until the slot changes. */
  snap?: Omit<NodeSnapshot, "running">;
  /** Samples since the node's sandbox was last checked (the check starts bwrap there). */
  sinceSandboxCheck?: number;
}

/** A node's sandbox is checked on its first sample, then every this many samples (~5 min). */
const SANDBOX_RECHECK = 60;

export function createSampler(opts: SamplerOptions): Sampler {
  const { config } = opts;
  const clock = opts.clock ?? Date.now;
  const store = new SampleStore(opts.db);
  const intervalMs = config.settings.sample_interval * 1000;
  const attemptMs =
    (config.settings.ssh_connect_timeout + config.settings.ssh_timeout + 3) * 1000 +
    config.settings.mdns_timeout * 1000;
  const abort = new AbortController();
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let lastPrune = 0;

  const slots = new Map<string, Slot>();
  for (const node of Object.values(config.nodes)) {
    const name = node.name;
    slots.set(name, {
      node,
      isLocal: opts.isLocal(name),
      sample: store.latest(name),
      // Failures of an earlier process are history: this one starts with a clean slate.
      state: { node: name, failures: 0, next_attempt_at: 0 },
    });
  }

  const localCapabilities =
    opts.localCapabilities ?? (() => detectLocalCapabilities(detectLocalFacts().os));
  const detectedHere = (s: Slot): string[] | undefined => {
    if (!s.isLocal) return undefined;
    s.detected ??= localCapabilities();
    return s.detected;
  };
  const snapshotOf = (s: Slot): NodeSnapshot => {
    if (!s.snap) {
      const v = buildView({
        node: s.node,
        sample: s.sample,
        state: s.state,
        isLocal: s.isLocal,
        transport: s.transport,
        running: 0,
        detected: detectedHere(s),
        now: clock(),
        settings: config.settings,
      });
      s.snap = {
        name: v.name,
        config: v.config,
        sample: v.sample,
        health: v.health,
        isLocal: v.isLocal,
        detected: v.detected,
        transport: v.transport,
      };
    }
    return { ...s.snap, running: opts.running?.(s.node.name) ?? 0 };
  };
  const viewOf = (s: Slot): NodeView =>
    buildView({
      node: s.node,
      sample: s.sample,
      state: s.state,
      resolution: opts.resolver?.peek(s.node.name),
      isLocal: s.isLocal,
      transport: s.transport,
      running: opts.running?.(s.node.name) ?? 0,
      detected: detectedHere(s),
      agent: opts.agentStatus?.(s.node.name),
      now: clock(),
      settings: config.settings,
    });

  async function takeSample(s: Slot, signal: AbortSignal): Promise<StoredSample> {
    if (s.isLocal) {
      const sample = await (opts.local ?? sampleLocal)();
      return { ...sample, sampled_at: clock(), method: "local" };
    }
    const partition = s.node.kind === "slurm" ? s.node.partition : undefined;
    // A partition submitted from this machine: no transport, no address (`remote` runs it here).
    const here = partition !== undefined && opts.submitIsLocal?.(s.node) === true;
    // The first time, the transport is not known yet (`ssh -G` runs): look the address up
    // meanwhile rather than after; an openssh node's lookup is then simply not used.
    const lookup = () => opts.resolver?.resolve(s.node.name, { signal });
    const early = here || s.transport || !opts.transport ? undefined : lookup();
    early?.catch(() => {});
    if (opts.transport && !here) s.transport = await opts.transport(s.node);
    // The node's resident agent pushes samples: no command to start (never for a partition).
    const pushed =
      partition === undefined ? await opts.agentSample?.(s.node, attemptMs) : undefined;
    if (pushed?.value !== undefined)
      return { ...checkProbeSample(pushed.value), sampled_at: pushed.at, method: "agent" };
    if (opts.resolver && !here && s.transport?.transport !== "openssh") {
      // Resolve here rather than inside the pool: a node whose name turns out to be one of this
      // machine's addresses is sampled in-process, and a failed lookup needs no SSH attempt.
      const where = (await (early ?? lookup())) as Awaited<ReturnType<Resolver["resolve"]>>;
      if (opts.isLocal(s.node.name)) {
        s.isLocal = true;
        s.snap = undefined;
        return takeSample(s, signal);
      }
      if (!where.address)
        throw new ClusterError("UNREACHABLE", where.error ?? "no usable address", {
          stage: "resolve",
        });
    }
    const known = s.sample?.sandbox;
    const since = (s.sinceSandboxCheck ?? SANDBOX_RECHECK) + 1;
    const checkBox = known === undefined || since > SANDBOX_RECHECK;
    const script =
      partition !== undefined
        ? sinfoScript(partition)
        : remoteProbeScript(s.node.binary_path, { sandbox: checkBox });
    const r = await opts.remote(s.node, script, { timeoutMs: attemptMs, signal });
    if (r.code !== 0)
      throw new Error(
        `${partition !== undefined ? "sinfo script" : "probe script"} exited ${r.code ?? "by signal"}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 200)}` : ""}`,
      );
    if (partition !== undefined)
      return { ...parseSlurmSample(partition, r.stdout), sampled_at: clock(), method: "sinfo" };
    const { sample, method, via } = parseRemoteProbe(r.stdout);
    s.sinceSandboxCheck = checkBox && sample.sandbox !== undefined ? 0 : since;
    return {
      ...sample,
      sandbox: sample.sandbox ?? known,
      sampled_at: clock(),
      method,
      ...(via ? { via } : {}),
    };
  }

  async function attempt(s: Slot): Promise<void> {
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(attemptMs)]);
    try {
      const sample = await takeSample(s, signal);
      if (closed) return;
      s.sample = sample;
      s.snap = undefined;
      if (s.isLocal && sample.capabilities) s.detected = sample.capabilities;
      s.state = {
        node: s.node.name,
        failures: 0,
        next_attempt_at: 0,
      };
      bestEffortWrite(() => store.putSample(s.node.name, sample));
    } catch (err) {
      if (closed) return;
      const e = toClusterError(err);
      const failures = s.state.failures + 1;
      const where = opts.resolver?.peek(s.node.name);
      const timedOut = signal.aborted && !abort.signal.aborted;
      const base = timedOut ? timeoutMessage(s, attemptMs) : e.message;
      // Say which address failed and how it was found: a wrong fallback ip is then plain to see.
      const message =
        e.details.stage !== "resolve" && where?.address && !s.isLocal && !viaOpenssh(s)
          ? `${base} [address ${where.address} via ${where.source}${where.attempts.length ? `: ${summarise(where.attempts)}` : ""}]`
          : base;
      const now = clock();
      s.snap = undefined;
      s.state = {
        ...s.state,
        failures,
        last_error: message,
        next_attempt_at: now + backoffMs(failures, intervalMs),
      };
      // A connect that failed may have used a stale address: resolve afresh next time. A failed
      // resolution is already cached negatively on purpose.
      if (e.code === "UNREACHABLE" && e.details.stage !== "resolve" && !viaOpenssh(s))
        opts.resolver?.invalidate(s.node.name);
    }
    opts.onUpdate?.(viewOf(s));
  }

  function launch(s: Slot): Promise<void> {
    if (!s.inflight) s.inflight = attempt(s).finally(() => (s.inflight = undefined));
    return s.inflight;
  }

  function tick(force = false): Promise<void>[] {
    const now = clock();
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      bestEffortWrite(() => store.prune(now - HISTORY_MS));
    }
    const started: Promise<void>[] = [];
    for (const s of slots.values())
      if (s.inflight || force || now >= s.state.next_attempt_at) started.push(launch(s));
    return started;
  }

  function stage(s: Slot): string {
    if (s.isLocal) return "sampling this machine";
    if (viaOpenssh(s)) return `sampling ${s.node.name} over ssh (${s.transport?.address ?? "?"})`;
    const r = opts.resolver?.peek(s.node.name);
    if (!r) return `resolving the address of ${s.node.name}`;
    if (!r.address) return r.error ?? "no address";
    return `sampling ${s.node.name} at ${r.address} (via ${r.source}) over SSH`;
  }

  return {
    start() {
      if (timer || closed) return;
      tick();
      timer = setInterval(() => tick(), intervalMs);
      timer.unref();
    },
    async sampleNow(o = {}) {
      const round = Promise.all(tick(o.force ?? true));
      if (o.timeoutMs === undefined) await round;
      else await withTimeout(round, Math.max(0, o.timeoutMs));
      return [...slots.values()].map((s) => {
        const v = viewOf(s);
        if (!s.inflight) return v;
        if (
          o.freshMs !== undefined &&
          s.sample &&
          s.state.failures === 0 &&
          clock() - s.sample.sampled_at <= o.freshMs
        )
          return v; // being sampled again; its last sample is recent and good (its age shows)
        // Still waiting on it: that is the answer a person needs, not its last known state.
        const why = `no answer within the status timeout (${stage(s)})`;
        return { ...v, health: "unreachable", reasons: [why], last_error: why };
      });
    },
    views: () => [...slots.values()].map(viewOf),
    noteRun(name, reached, error) {
      const s = slots.get(name);
      if (!s || s.isLocal || closed) return;
      if (reached) {
        if (s.state.failures === 0) return;
        s.state = { node: name, failures: 0, next_attempt_at: 0 };
        opts.onUpdate?.(viewOf(s));
        if (timer && !s.inflight) void launch(s); // a fresh sample now, not after the backoff
        return;
      }
      if (s.state.failures > 0) return; // the sampler knows already
      if (!definitelyDown(error)) {
        if (timer && !s.inflight) void launch(s);
        return;
      }
      s.state = {
        ...s.state,
        failures: 1,
        last_error: `a run could not reach it: ${error ?? "unreachable"}`,
        next_attempt_at: clock() + intervalMs,
      };
      opts.onUpdate?.(viewOf(s));
    },
    snapshots: () => [...slots.values()].map(snapshotOf),
    isLocal: (name) => slots.get(name)?.isLocal === true,
    view(name) {
      const s = slots.get(name);
      return s ? viewOf(s) : undefined;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      abort.abort();
      // Attempts honour the abort; the bound only guards against one that does not.
      await withTimeout(Promise.allSettled([...slots.values()].map((s) => s.inflight)), 2000);
    },
  };
}

function viaOpenssh(s: Slot): boolean {
  return s.transport?.transport === "openssh";
}

function timeoutMessage(s: Slot, ms: number): string {
  const what = s.isLocal ? "sampling this machine" : `sampling ${s.node.name} over SSH`;
  return ms > 0 ? `${what} took longer than ${ms / 1000}s` : `${what} still in progress`;
}

/** A failure that says the node is down, not merely slow to answer a busy controller. */
export function definitelyDown(error: string | undefined): boolean {
  return /connection refused|ECONNREFUSED|no route to host|EHOSTUNREACH|network (is )?unreachable|ENETUNREACH|host name not found|ENOTFOUND|no usable address|could not resolve hostname|name or service not known/i.test(
    error ?? "",
  );
}
