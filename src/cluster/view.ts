import type { Config, NodeConfig } from "../config/load.ts";
import { type Resolution, summarise } from "../discovery/resolve.ts";
import type { TransportChoice } from "../openssh/choose-transport.ts";
import { factMismatches, healthOf, type NodeHealth } from "./health.ts";
import type { LoadSample } from "./probe.ts";
import type { SampleMethod } from "./remote-probe.ts";
import type { StoredSample } from "./store.ts";

/** One node as the sampler last saw it; routing reads only this (no I/O on the routing path). */
export interface NodeSnapshot {
  name: string;
  config: NodeConfig;
  /** Last load sample; sampled_at in ms since the epoch. */
  sample?: LoadSample & { sampled_at: number };
  health: NodeHealth;
  /** Runs in flight there now (each takes one slot of the node's cores). */
  running: number;
  isLocal: boolean;
  /** Capabilities found on the node by its probe (tools on its PATH, devices); undefined: never probed. */
  detected?: string[];
  /** How the node is reached, and why; undefined until decided. */
  transport?: { transport: "local" | "ssh2" | "openssh"; reason: string };
}

/** The routing snapshot of a node plus what `cluster-status` shows about it. */
export interface NodeView extends NodeSnapshot {
  /** Why this health: thresholds exceeded, the last error, "never sampled". */
  reasons: string[];
  /** How the sample was taken: in-process, `cluster-exec probe` on the node, or the POSIX script. */
  method?: SampleMethod;
  /** The node's cluster-exec that answered the probe (method "probe"). */
  via?: string;
  /** Consecutive failed sampling attempts. */
  failures: number;
  last_error?: string;
  /** Configured static facts the node contradicts. */
  warnings: string[];
  /** No sample newer than three sampling periods: the caller may want a fresh one. */
  stale: boolean;
  address?: string;
  /** "ssh_config": an openssh node's address as `ssh -G` gave it (HostName, jump hosts). */
  resolved_via: Resolution["resolved_via"] | "ssh_config";
  /** The step that produced a cached address (mdns | dns | fallback). */
  address_source: Resolution["source"];
  address_age_s?: number;
  /** Each resolution step and its outcome, e.g. "mdns n1.local: 127.0.0.1 rejected (loopback); …". */
  resolution?: string;
  /** Whether runs go through the node's resident agent ("up") or one SSH session each, and why. */
  agent?: { state: string; detail: string };
}

export interface ViewInputs {
  node: NodeConfig;
  sample?: StoredSample;
  state?: { failures: number; last_error?: string };
  resolution?: Resolution;
  transport?: TransportChoice;
  isLocal: boolean;
  running: number;
  /** This machine's capabilities, detected in-process (fresher than a stored sample's). */
  detected?: string[];
  agent?: { state: string; detail: string };
  now: number;
  settings: Config["settings"];
}

export function buildView(i: ViewInputs): NodeView {
  const failures = i.state?.failures ?? 0;
  const verdict = healthOf(
    {
      sample: i.sample,
      failures,
      lastError: i.state?.last_error,
      cpusPerTask: i.node.cpus_per_task,
    },
    i.settings,
  );
  const staleAfter = 3 * i.settings.sample_interval * 1000;
  const { method, via, ...sample } = i.sample ?? ({} as Partial<StoredSample>);
  const viaSsh = !i.isLocal && i.transport?.transport === "openssh";
  const where = viaSsh ? undefined : i.resolution;
  return {
    name: i.node.name,
    config: i.node,
    sample: i.sample ? (sample as LoadSample & { sampled_at: number }) : undefined,
    health: verdict.health,
    running: i.running,
    isLocal: i.isLocal,
    detected: i.detected ?? i.sample?.capabilities,
    reasons: verdict.reasons,
    method,
    via,
    failures,
    last_error: i.state?.last_error,
    warnings: i.sample ? factMismatches(i.node, i.sample) : [],
    stale: !i.sample || i.now - i.sample.sampled_at > staleAfter,
    address: viaSsh ? i.transport?.address : where?.address,
    resolved_via: viaSsh ? "ssh_config" : (where?.resolved_via ?? null),
    address_source: where?.source ?? null,
    address_age_s: where?.address ? where.age_s : undefined,
    resolution: where?.attempts.length ? summarise(where.attempts) : undefined,
    transport: i.isLocal
      ? { transport: "local", reason: "this machine: runs in-process" }
      : i.transport && { transport: i.transport.transport, reason: i.transport.reason },
    agent: i.isLocal ? undefined : i.agent,
  };
}
