// One-sentence reasons for routing decisions, built from the assessment of every node.
import { toolsFor } from "../cluster/capabilities.ts";
import type { Assessed } from "./assess.ts";
import { describeLoad, describeSlots } from "./capacity.ts";
import type { Classification } from "./classify.ts";
import { describeRequirement, type Requirement } from "./requirements.ts";

/** Why the command does not simply run here; "" when there is no local node. */
export function whyNotLocal(local: Assessed | undefined, cls: Classification): string {
  if (cls.weight === "heavy")
    return `${cls.heavy.join(", ")} ${cls.heavy.length === 1 ? "is" : "are"} heavy work`;
  if (!local) return "this machine is not in the inventory";
  const name = local.view.name;
  if (local.excluded) return `${name} cannot run it (${local.excluded})`;
  if (local.softMisses.length > 0) return `${name} lacks preferred ${local.softMisses.join(", ")}`;
  if (local.over.length > 0) return `${name} is busy (${local.over.join(", ")})`;
  if (local.full)
    return `${name} has no free slot (${describeSlots(local.view)} by runs in flight)`;
  return `${name} is ${local.view.health}`;
}

export function explainChoice(best: Assessed, ranked: Assessed[], notLocal: string): string {
  const name = best.view.name;
  const load = best.view.sample
    ? `${best.score} free: ${describeLoad(best.view)}`
    : "no load sample";
  let how: string;
  if (ranked.length === 1) how = `${name} is the only eligible node (${load})`;
  else if (best.tier === 0)
    how = `${name} is the healthy node with the most free capacity (${load})`;
  else if (best.tier === 1)
    how = `no SSH node is free (${sshProblems(ranked)}), so it goes to the Slurm partition ${best.view.config.partition} of ${name} (${load})`;
  else if (best.tier === 2)
    how = `every eligible node is busy and ${name} has the most free capacity (${load})`;
  else how = `no eligible node has a known load, so ${name} is used (${load})`;
  const runnerUp = ranked[1];
  if (
    runnerUp &&
    runnerUp.tier === best.tier &&
    runnerUp.score === best.score &&
    runnerUp.softMisses.length === best.softMisses.length
  ) {
    const by =
      best.specialty && !runnerUp.specialty
        ? `its specialty ${best.specialty}`
        : best.view.running < runnerUp.view.running
          ? "fewer running tasks"
          : "name";
    how += `, tied with ${runnerUp.view.name} and chosen by ${by}`;
  }
  // Not capitalised: sentences often start with a command or node name, which are case-sensitive.
  return notLocal ? `${notLocal}; ${how}.` : `${how}.`;
}

/** "n1: load 6 > 4; n2: cpu 90% > 40%", or "no eligible SSH node" — why the overflow was used. */
function sshProblems(ranked: Assessed[]): string {
  const ssh = ranked.filter((a) => !a.view.sample?.slurm && a.view.config.kind !== "slurm");
  if (ssh.length === 0) return "no eligible SSH node";
  return ssh
    .map(
      (a) =>
        `${a.view.name}: ${a.over.join(", ") || (a.tier === 3 ? "load unknown" : a.view.health)}`,
    )
    .join("; ");
}

/** Names the requirement nobody meets, else what keeps the nodes that meet it out. */
export function explainNoNode(assessed: Assessed[], reqs: Requirement[]): string {
  if (assessed.length === 0) return "No node: the inventory is empty.";
  const hard = reqs.filter((r) => r.hard);
  const unmetByAll = hard.filter((r) => assessed.every((a) => a.unmet.some((u) => mentions(u, r))));
  if (unmetByAll.length > 0) {
    const missing = unmetByAll.filter((r) => r.kind === "capability");
    const detail = missing.length > 0 ? `: ${whereLooked(missing, assessed)}` : "";
    return `No node satisfies ${unmetByAll.map(describeRequirement).join(" and ")}${detail}.`;
  }
  const meetAll = assessed.filter((a) => a.unmet.length === 0);
  if (meetAll.length === 0)
    return `No single node satisfies ${hard.map(describeRequirement).join(" together with ")}.`;
  const why = meetAll.map((a) => `${a.view.name} ${a.excluded}`).join(", ");
  const what =
    hard.length > 0 ? `that satisfies ${hard.map(describeRequirement).join(" and ")}` : "";
  return `No node ${what} can take it: ${why}.`.replace("node  can", "node can");
}

function mentions(unmet: string, req: Requirement): boolean {
  return (
    unmet.endsWith(req.value) && unmet.includes(req.kind === "capability" ? "capability" : req.kind)
  );
}

/** "checked n1, n2: none lists docker in its capabilities and docker was not found on its PATH" */
function whereLooked(missing: Requirement[], assessed: Assessed[]): string {
  const names = assessed.map((a) => a.view.name);
  const words = missing.map((r) => r.value).join(", ");
  let out = `checked ${names.join(", ")}; none lists ${words} in its capabilities`;
  const tools = [...new Set(missing.flatMap((r) => toolsFor(r.value)))];
  if (tools.length === 0) return out;
  const probed = assessed.filter((a) => a.view.detected !== undefined).map((a) => a.view.name);
  const unprobed = names.filter((n) => !probed.includes(n));
  const what = tools.join(" or ");
  if (probed.length === names.length)
    out += ` and ${what} was not found on ${names.length === 1 ? "its" : "their"} PATH`;
  else if (probed.length > 0)
    out += ` and ${what} was not found on the PATH of ${probed.join(", ")}`;
  if (unprobed.length > 0)
    out += `; ${unprobed.join(", ")} ${unprobed.length === 1 ? "was" : "were"} not probed yet`;
  return out;
}
