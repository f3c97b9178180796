// Picks the executor for a node: this machine runs locally, every other node over the ssh pool.
import type { Config } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { createSshExecutor } from "../ssh/executor.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import { knownNode, thisMachineTest } from "./nodes.ts";

/**
 * The executor for `nodeName`. With a shared `pool` its owner closes it; without one, the
 * executor opens its own and closes it in close(). `isLocal` is the caller's answer to "is this
 * node this machine?" (from thisMachineTest); without it, the configuration alone decides.
 */
export function createExecutorFor(
  nodeName: string,
  config: Config,
  deps: { pool?: SshPool; isLocal?: boolean } = {},
): Executor {
  const node = knownNode(nodeName, config);
  if (deps.isLocal ?? thisMachineTest(config)(nodeName)) return createLocalExecutor();
  const pool = deps.pool ?? new SshPool(poolOptionsFrom(config));
  return createSshExecutor(node, pool, { ownsPool: !deps.pool });
}
