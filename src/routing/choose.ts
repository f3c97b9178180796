// chooseNode: the pure routing decision — policy first, then local when the command is light and
// this machine is idle enough, otherwise the eligible node with the most free capacity.

import type { NodeSnapshot } from "../cluster/view.ts";
import { ClusterError } from "../errors.ts";
import { checkCommand } from "../policy/check.ts";
import type { PolicyVerdict } from "../policy/types.ts";
import { type Assessed, assessNode, compareAssessed, toCandidate } from "./assess.ts";
import { describeLoad, describeSlots, hasFreeSlot } from "./capacity.ts";
import { type Classification, classifyCommand } from "./classify.ts";
import { explainChoice, explainNoNode, whyNotLocal } from "./explain.ts";
import { type Requirement, resolveRequirements } from "./requirements.ts";
import { startDirectories } from "./start-dirs.ts";
import type { ChooseInput, RouteDecision } from "./types.ts";

export function chooseNode(input: ChooseInput): RouteDecision {
  // Bad aliases are usage errors, whatever the command. (Unknown node names are the caller's to
  // refuse: it holds the inventory.)
  const explicitOnly = resolveRequirements(input.requirements, []);
  const check = checkCommand(input.command, {
    cwd: startDirectories(input),
    ...(input.protectedPaths ? { protectedPaths: input.protectedPaths } : {}),
  });
  const { verdict, analysis } = check;
  // A refusal a node may waive (containers) is judged per node below.
  if ((!verdict.allowed && !check.waivable) || !analysis)
    return refused(verdict, input.nodes, explicitOnly);

  const cls = classifyCommand(analysis);
  // With an explicit node, a guess from the command never overrides the caller's choice.
  const reqs = resolveRequirements(input.requirements, input.explicitNode ? [] : cls.inferred);
  const assessed = input.nodes.map((n) =>
    assessNode(n, check, cls, reqs, input.thresholds, input.sandbox),
  );
  const candidates = assessed.map(toCandidate);
  const base = { candidates, requirements: reqs };

  const decisionFor = (v: NodeSnapshot): "local" | "remote" => (v.isLocal ? "local" : "remote");
  if (input.explicitNode) return explicit(input.explicitNode, assessed, base, decisionFor);

  const local = assessed.find((a) => a.view.isLocal);
  const localReason = local ? localChoice(local, cls) : undefined;
  if (local && localReason)
    return withSandbox(
      { decision: "local", node: local.view.name, reason: localReason, ...base },
      local,
    );

  const eligible = assessed.filter((a) => !a.excluded).sort(compareAssessed);
  const best = eligible[0];
  if (!best) {
    const denied = assessed.filter((a) => a.denied);
    if (
      denied.length > 0 &&
      denied.length === assessed.filter((a) => a.excluded !== "unreachable").length
    ) {
      const first = denied[0]?.denied as PolicyVerdict & { allowed: false };
      return { decision: "refused", node: null, reason: first.message, rule: first.rule, ...base };
    }
    const boxless = assessed.filter((a) => a.noSandbox && a.unmet.length === 1 && !a.denied);
    if (boxless.length > 0)
      return {
        decision: "no_node",
        node: null,
        reason: `No node can run it sandboxed: ${boxless.map((a) => `${a.view.name} ${a.noSandbox}`).join("; ")}.`,
        unavailable: "sandbox",
        ...base,
      };
    return { decision: "no_node", node: null, reason: explainNoNode(assessed, reqs), ...base };
  }
  const reason = explainChoice(best, eligible, whyNotLocal(local, cls));
  return withSandbox(
    { decision: decisionFor(best.view), node: best.view.name, reason, ...base },
    best,
  );
}

/** The chosen node's sandbox level, in the decision and its reason, when the run gets one. */
function withSandbox(d: RouteDecision, chosen: Assessed): RouteDecision {
  if (chosen.sandbox === "off") return d;
  return { ...d, reason: `${d.reason} Sandbox: ${chosen.sandbox}.`, sandbox: chosen.sandbox };
}

/**
 * The reason to stay local, or undefined to rank every node. A light command stays only while this
 * machine has a free slot: a batch fills it, then spreads.
 */
function localChoice(local: Assessed, cls: Classification): string | undefined {
  if (local.excluded || cls.weight === "heavy" || local.softMisses.length > 0) return undefined;
  const name = local.view.name;
  if (cls.weight === "local")
    return `${cls.programs.join(", ") || "The command"} only inspect${cls.programs.length === 1 ? "s" : ""} this machine, so it runs here on ${name}.`;
  if (local.tier === 0)
    return `Light command and ${name} is under every threshold with a free slot (${describeLoad(local.view)}${local.view.running > 0 ? "" : `; ${describeSlots(local.view)}`}), so it runs locally.`;
  // No sample for the local node yet: nothing says it is busy, and local is cheapest.
  if (!local.view.sample && local.view.health !== "degraded" && hasFreeSlot(local.view))
    return `Light command and nothing shows ${name} is busy (no load sample yet; ${describeSlots(local.view)}), so it runs locally.`;
  return undefined;
}

function explicit(
  name: string,
  assessed: Assessed[],
  base: Pick<RouteDecision, "candidates" | "requirements">,
  decisionFor: (v: NodeSnapshot) => "local" | "remote",
): RouteDecision {
  const a = assessed.find((x) => x.view.name === name);
  if (!a)
    return {
      decision: "no_node",
      node: null,
      reason: `Node ${name} is not in the inventory.`,
      ...base,
    };
  if (a.denied)
    return {
      decision: "refused",
      node: null,
      reason: a.denied.message,
      rule: a.denied.rule,
      ...base,
    };
  if (a.unmet.length > 0)
    return {
      decision: "no_node",
      node: null,
      reason: `Node ${name} was asked for but ${a.unmet.join("; ")}.`,
      ...(a.noSandbox && a.unmet.length === 1 ? { unavailable: "sandbox" as const } : {}),
      ...base,
    };
  const health = a.view.health === "healthy" ? "" : ` (it is ${a.view.health})`;
  return withSandbox(
    {
      decision: decisionFor(a.view),
      node: name,
      reason: `Runs on ${name} as asked${health}.`,
      ...base,
    },
    a,
  );
}

function refused(
  verdict: PolicyVerdict,
  nodes: NodeSnapshot[],
  requirements: Requirement[],
): RouteDecision {
  const v = verdict as PolicyVerdict & { allowed: false };
  return {
    decision: "refused",
    node: null,
    reason: v.message,
    rule: v.rule,
    candidates: nodes.map((n) => ({
      node: n.name,
      eligible: false,
      note: "not considered: command refused",
    })),
    requirements,
  };
}

/** The error a caller that must run something raises for a decision that runs nothing. */
export function decisionError(d: RouteDecision): ClusterError | undefined {
  if (d.decision === "refused")
    return new ClusterError("POLICY_DENIED", `refused by rule ${d.rule}: ${d.reason}`, {
      rule: d.rule,
    });
  if (d.decision === "no_node" && d.unavailable === "sandbox")
    return new ClusterError("SANDBOX_UNAVAILABLE", d.reason, { candidates: d.candidates });
  if (d.decision === "no_node")
    return new ClusterError("NO_NODE", d.reason, { candidates: d.candidates });
  return undefined;
}
