// Policy and routing for one request, from the sampler's cached views only (no network I/O).
import type { Config } from "../config/load.ts";
import type { RunRequest } from "../exec/request.ts";
import { chooseNode } from "../routing/choose.ts";
import type { NodeView, RouteDecision } from "../routing/types.ts";

export interface DeciderDeps {
  config: Config;
  localNode: string | undefined;
  views: () => NodeView[];
}

/** Throws NODE_UNKNOWN for an explicit node that is not in the inventory. */
export function createDecider(deps: DeciderDeps): (req: RunRequest) => RouteDecision {
  const { settings } = deps.config;
  const thresholds = {
    cpu_percent: settings.cpu_threshold,
    load_1m: settings.load_threshold,
    memory_percent: settings.memory_threshold,
  };
  return (req) =>
    chooseNode({
      command: req.command,
      requirements: req.requirements,
      nodes: deps.views(),
      localNode: deps.localNode,
      thresholds,
      explicitNode: req.node,
    });
}
