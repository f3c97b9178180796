// Picks the executor for a node: this machine runs locally, every other node over the ssh pool.
import type { Config } from "../config/load.ts";
import { isLocalNode } from "../discovery/local.ts";
import { ClusterError } from "../errors.ts";
import { createSshExecutor } from "../ssh/executor.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import type { Executor } from "./executor.ts";
import { createLocalExecutor } from "./local.ts";

/** NODE_UNKNOWN naming the node and listing the inventory. */
export function unknownNodeError(name: string, config: Config): ClusterError {
  const known = Object.keys(config.nodes);
  return new ClusterError(
    "NODE_UNKNOWN",
    `unknown node ${JSON.stringify(name)}; known nodes: ${known.join(", ") || "none"} (from ${config.source})`,
    { node: name, known },
  );
}

/** Is this node the machine we run on? The embedded default's only node always is. */
export function isThisMachine(name: string, config: Config): boolean {
  if (config.source === "embedded default" && Object.keys(config.nodes).length === 1)
    return name in config.nodes;
  return isLocalNode(name, config);
}

/**
 * The executor for `nodeName`. With a shared `pool` its owner closes it; without one, the
 * executor opens its own and closes it in close().
 */
export function createExecutorFor(
  nodeName: string,
  config: Config,
  deps: {
    pool?: SshPool /** the sampler found the node's address to be this machine's */;
    isLocal?: boolean;
  } = {},
): Executor {
  const node = config.nodes[nodeName];
  if (!node) throw unknownNodeError(nodeName, config);
  if (deps.isLocal || isThisMachine(nodeName, config)) return createLocalExecutor();
  const pool = deps.pool ?? new SshPool(poolOptionsFrom(config));
  return createSshExecutor(node, pool, { ownsPool: !deps.pool });
}
