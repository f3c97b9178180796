// Policy and routing for one request, from the sampler's cached views only (no network I/O).

import type { NodeSnapshot } from "../cluster/view.ts";
import type { Config } from "../config/load.ts";
import { chooseNode } from "../routing/choose.ts";
import type { RouteDecision } from "../routing/types.ts";
import type { RunRequest } from "../tasks/request.ts";
import { knownNode } from "./nodes.ts";

export interface DeciderDeps {
  config: Config;
  views: () => NodeSnapshot[];
}

/** Throws NODE_UNKNOWN for an explicit node that is not in the inventory. */
export function createDecider(deps: DeciderDeps): (req: RunRequest) => RouteDecision {
  const { settings } = deps.config;
  const thresholds = {
    cpu_percent: settings.cpu_threshold,
    load_1m: settings.load_threshold,
    memory_percent: settings.memory_threshold,
  };
  return (req) => {
    if (req.node !== undefined) knownNode(req.node, deps.config);
    return chooseNode({
      command: req.command,
      requirements: req.requirements,
      nodes: deps.views(),
      thresholds,
      explicitNode: req.node,
      // The policy judges the command where it will run: the given cwd, else this process's
      // directory for a local run and the home (~) for a remote one.
      cwd: req.cwd,
      localDir: process.cwd(),
      protectedPaths: settings.protected_paths,
      sandbox: req.sandbox,
    });
  };
}
