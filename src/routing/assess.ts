// Judges each node for one command: excluded (and why), or its tier, score and tie-breakers.

import type { NodeSnapshot } from "../cluster/view.ts";
import type { RouteCandidate } from "../exec/result.ts";
import { nodeVerdict, type PolicyCheck } from "../policy/check.ts";
import type { PolicyVerdict } from "../policy/types.ts";
import {
  effectiveSandbox,
  type SandboxLevel,
  type SandboxTool,
  sandboxUnmet,
} from "../sandbox/levels.ts";
import { describeSlots, freeCapacity, hasFreeSlot, overThresholds } from "./capacity.ts";
import type { Classification } from "./classify.ts";
import { describeRequirement, nodeFacts, type Requirement, unmetReason } from "./requirements.ts";
import type { Thresholds } from "./types.ts";

/**
 * Tiers, best first: 0 healthy, under every threshold and with a free slot; 1 a Slurm partition
 * with idle CPUs and a free slot — the overflow: heavy work goes there when no SSH node is free,
 * since a job pays the scheduler's latency; 2 degraded, over a threshold or full (every core taken
 * by a run in flight; a partition without idle CPUs, whose job would queue); 3 health unknown (no
 * sample yet, or the sampler cannot tell). Unknown nodes are usable, since they may well be fine,
 * but never preferred over a node whose load we know. Unreachable nodes are excluded.
 */
export type Tier = 0 | 1 | 2 | 3;

export interface Assessed {
  view: NodeSnapshot;
  /** Why the node cannot take the command; undefined when eligible. */
  excluded?: string;
  /** Set when the node's own allow/deny rules refuse the command. */
  denied?: PolicyVerdict & { allowed: false };
  /** Hard requirements it misses (subset of `excluded`). */
  unmet: string[];
  tier: Tier;
  score: number;
  /** Soft (inferred) requirements it misses. */
  softMisses: string[];
  specialty: string | undefined;
  over: string[];
  /** Every slot of its cores is taken by runs in flight. */
  full: boolean;
  /** The sandbox level a run gets there (the node's, tightened by the request). */
  sandbox: SandboxLevel;
  /** Set when that level needs a sandbox the node does not have (also in `unmet`). */
  noSandbox?: string;
}

export function assessNode(
  view: NodeSnapshot,
  check: PolicyCheck,
  cls: Classification,
  reqs: Requirement[],
  thresholds: Thresholds,
  requestedSandbox?: SandboxLevel,
): Assessed {
  const unmet: string[] = [];
  const softMisses: string[] = [];
  // A sandbox the run needs there is a hard requirement; a node not probed yet is checked when
  // the run starts (it is refused there, never run unsandboxed).
  const sandbox = effectiveSandbox(view.config.sandbox, requestedSandbox);
  const noSandbox = sandboxUnmet(sandbox, ...sandboxOf(view));
  if (noSandbox) unmet.push(noSandbox);
  if (reqs.length > 0) {
    const facts = nodeFacts(view.config, view.sample, view.detected);
    for (const req of reqs) {
      const why = unmetReason(facts, req);
      if (why) (req.hard ? unmet : softMisses).push(req.hard ? why : describeRequirement(req));
    }
  }
  const over = overThresholds(view, thresholds);
  const full = !hasFreeSlot(view);
  const tier: Tier =
    view.health === "unknown" || !view.sample
      ? 3
      : view.health === "degraded" || over.length > 0 || full
        ? 2
        : view.sample.slurm
          ? 1
          : 0;
  const specialty =
    cls.specialties.length > 0
      ? view.config.specialties.find((s) => cls.specialties.includes(s.toLowerCase()))
      : undefined;
  const out: Assessed = {
    view,
    unmet,
    tier,
    score: freeCapacity(view),
    softMisses,
    specialty,
    over,
    full,
    sandbox,
    ...(noSandbox ? { noSandbox } : {}),
  };
  const verdict = nodeVerdict(check, view.config);
  if (!verdict.allowed) {
    out.denied = verdict;
    out.excluded = `node policy: ${verdict.message}`;
  } else if (view.health === "unreachable") out.excluded = "unreachable";
  else if (unmet.length > 0) out.excluded = unmet.join("; ");
  return out;
}

/**
 * What a node can sandbox with, for routing: its probe's answer, except where its runs cannot use
 * it — a Slurm partition's jobs run on compute nodes. (Both SSH transports sandbox alike.)
 */
function sandboxOf(view: NodeSnapshot): [SandboxTool | undefined, string?] {
  if (view.config.kind === "slurm")
    return ["none", "runs its jobs on Slurm compute nodes, which the sandbox does not reach"];
  return [view.sample?.sandbox];
}

/** Highest priority first: tier, soft requirements met, free capacity, specialty, fewer tasks, name. */
export function compareAssessed(a: Assessed, b: Assessed): number {
  return (
    a.tier - b.tier ||
    a.softMisses.length - b.softMisses.length ||
    b.score - a.score ||
    Number(b.specialty !== undefined) - Number(a.specialty !== undefined) ||
    a.view.running - b.view.running ||
    (a.view.name < b.view.name ? -1 : a.view.name > b.view.name ? 1 : 0)
  );
}

const TIER_NOTE = [
  "healthy",
  "Slurm partition with idle CPUs: used when no SSH node is healthy",
  "busy",
  "load unknown: used only when no node with a known load is eligible",
];

/** Short notes: the score says the capacity; the note says only what else matters. */
export function toCandidate(a: Assessed): RouteCandidate {
  if (a.excluded) return { node: a.view.name, eligible: false, note: a.excluded };
  let note =
    a.view.health === "degraded" && a.over.length === 0
      ? "degraded"
      : (TIER_NOTE[a.tier] as string);
  const busy = [...a.over, ...(a.full ? [`full, ${describeSlots(a.view)}`] : [])];
  if (busy.length > 0) note += `: ${busy.join(", ")}`;
  if (a.softMisses.length > 0) note += `; lacks preferred ${a.softMisses.join(", ")}`;
  if (a.specialty) note += `; specialty ${a.specialty}`;
  if (a.view.running > 0 && !a.full) note += `; ${a.view.running} running`;
  return { node: a.view.name, eligible: true, score: a.score, note };
}
