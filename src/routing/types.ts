// The routing contract: what the background sampler hands in (NodeView) and what comes out.

import type { LoadSample } from "../cluster/probe.ts";
import type { NodeConfig } from "../config/load.ts";
import type { RouteCandidate } from "../exec/result.ts";
import type { ExplicitRequirements, Requirement } from "./requirements.ts";

export type NodeHealth = "healthy" | "degraded" | "unreachable" | "unknown";

/** One node as the sampler last saw it; routing reads only this (no I/O on the routing path). */
export interface NodeView {
  name: string;
  config: NodeConfig;
  /** Last load sample; sampled_at in ms since the epoch. */
  sample?: LoadSample & { sampled_at: number };
  health: NodeHealth;
  /** Tasks this program is running there now. */
  running: number;
  isLocal: boolean;
}

/** Settings cpu_threshold / load_threshold / memory_threshold. */
export interface Thresholds {
  cpu_percent: number;
  load_1m: number;
  memory_percent: number;
}

export interface ChooseInput {
  command: string;
  requirements?: ExplicitRequirements;
  nodes: NodeView[];
  /** Name of the node this process runs on, if it is in the inventory. */
  localNode: string | undefined;
  thresholds: Thresholds;
  /** --node / offload_to node_id: run there (after the policy), whatever the load. */
  explicitNode?: string;
}

export type Decision = "local" | "remote" | "refused" | "no_node";

/** Also what `route --json` prints. */
export interface RouteDecision {
  decision: Decision;
  node: string | null;
  /** One sentence. */
  reason: string;
  /** The policy rule that refused the command (decision "refused"). */
  rule?: string;
  /** Every node: its score, or why it was excluded. */
  candidates: RouteCandidate[];
  requirements: Requirement[];
}
