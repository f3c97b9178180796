// The routing contract: what the background sampler hands in (NodeSnapshot) and what comes out.

import type { NodeSnapshot } from "../cluster/view.ts";
import type { RouteCandidate } from "../exec/result.ts";
import type { SandboxLevel } from "../sandbox/levels.ts";
import type { ExplicitRequirements, Requirement } from "./requirements.ts";

/** Settings cpu_threshold / load_threshold / memory_threshold. */
export interface Thresholds {
  cpu_percent: number;
  load_1m: number;
  memory_percent: number;
}

export interface ChooseInput {
  command: string;
  requirements?: ExplicitRequirements;
  nodes: NodeSnapshot[];
  thresholds: Thresholds;
  /** --node / offload_to node_id: run there (after the policy), whatever the load. */
  explicitNode?: string;
  /** The run's sandbox request: it may only tighten each node's own setting. */
  sandbox?: SandboxLevel;
  /** The run's working directory as given (--cwd, MCP cwd); undefined: each node's default. */
  cwd?: string;
  /** This process's directory: where a local run without a cwd starts (a remote one starts in ~). */
  localDir?: string;
  /** The protected_paths setting (the policy's built-in list when absent). */
  protectedPaths?: readonly string[];
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
  /** The sandbox level the run gets on the chosen node; absent when it is not sandboxed. */
  sandbox?: Exclude<SandboxLevel, "off">;
  /** no_node only because the sandbox it needs exists on none of the nodes that could run it. */
  unavailable?: "sandbox";
}
