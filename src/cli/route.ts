// `route CMD`: the routing decision and its reasons, without running anything.
import type { Config } from "../config/load.ts";
import { EXIT } from "../errors.ts";
import type { RouteDecision } from "../routing/types.ts";
import { commandFromArgs, parseVerbArgs } from "./args.ts";
import { currentHost } from "./host.ts";
import { printJson, println, warn, writeOut } from "./output.ts";
import {
  ROUTING_FLAGS,
  ROUTING_HELP,
  requirementsFromFlags,
  sandboxFromFlag,
} from "./routing-flags.ts";

export const ROUTE_HELP = `Usage: cluster-exec route [--node N] [--os OS] [--arch A] [--cap C]... [--sandbox L] [--cwd DIR] [--json] CMD

Shows where CMD would run and why — the decision (local, remote, refused, no_node), the reason,
the policy rule that refused it, and every node with its score or why it was excluded — without
running anything. Samples nodes first when the cached samples are stale.

${ROUTING_HELP}
  --cwd DIR     the directory it would run in, as for run (the command policy judges paths from there;
                without it: this directory for a local run, the home for a remote one)
  --json        {decision, node, reason, rule?, candidates, requirements, sandbox?, unavailable?}
Exit codes: 0 when it would run; 77 refused by the command policy, or no sandbox where one is
needed; 69 no node available.`;

export async function routeVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("route", argv, {
    ...ROUTING_FLAGS,
    cwd: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    await println(ROUTE_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    warn("route: no command given; usage: cluster-exec route [flags] CMD");
    return EXIT.usage;
  }
  const command = commandFromArgs(positionals);
  const requirements = requirementsFromFlags(values);
  const sandbox = sandboxFromFlag(values.sandbox);
  const { rt, release } = await currentHost().runtime(config, {});
  try {
    if (!values.node) await rt.refreshIfStale();
    const d = rt.decide({
      command,
      node: values.node,
      requirements,
      sandbox,
      cwd: values.cwd,
      requester: "cli",
    });
    if (values.json) await printJson(d);
    else await writeOut("stdout", renderDecision(d));
    if (d.decision === "refused" || d.unavailable === "sandbox") return EXIT.refused;
    return d.decision === "no_node" ? EXIT.noNode : 0;
  } finally {
    await release();
  }
}

export function renderDecision(d: RouteDecision): string {
  const head =
    d.decision === "refused"
      ? `refused (rule ${d.rule}): ${d.reason}`
      : d.decision === "no_node"
        ? `no node: ${d.reason}`
        : `${d.decision} → ${d.node}: ${d.reason}`;
  const rows = d.candidates.map(
    (c) =>
      `  ${c.eligible ? "✓" : "✗"} ${c.node.padEnd(14)} ${c.score === undefined ? "" : `score ${c.score.toFixed(2)}  `}${c.note ?? ""}`,
  );
  const reqs = d.requirements.map((r) => `${r.kind}=${r.value}${r.hard ? "" : " (soft)"}`);
  return [head, ...(reqs.length ? [`requirements: ${reqs.join(", ")}`] : []), ...rows, ""].join(
    "\n",
  );
}
