// Policy and routing for one request, from cached node views only (no network I/O).
import type { NodeView } from "../cluster/view.ts";
import type { Config } from "../config/load.ts";
import { unknownNodeError } from "../exec/for-node.ts";
import type { RunRequest } from "../exec/request.ts";
import type { RouteDecision } from "./pipeline.ts";

export interface DeciderDeps {
  config: Config;
  localNode: string | undefined;
  views: () => NodeView[];
}

export function createDecider(deps: DeciderDeps): (req: RunRequest) => RouteDecision {
  return (req) => {
    if (req.node) {
      if (!deps.config.nodes[req.node]) throw unknownNodeError(req.node, deps.config);
      return {
        decision: req.node === deps.localNode ? "local" : "remote",
        node: req.node,
        reason: `${req.node} was named by the caller`,
        candidates: [],
      };
    }
    const node = deps.localNode ?? Object.keys(deps.config.nodes)[0] ?? null;
    return {
      decision: node === deps.localNode ? "local" : node ? "remote" : "no_node",
      node,
      reason: node ? `${node}: the only choice before routing lands` : "no node in the inventory",
      candidates: [],
    };
  };
}
