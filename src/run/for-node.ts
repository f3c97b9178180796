// Picks the executor for a node: this machine runs locally, every other node over its transport
// (the ssh2 pool, or `ssh` over a ControlMaster — see transports.ts).
import type { Config } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import { createLocalExecutor } from "../exec/local.ts";
import type { SshPool } from "../ssh/pool.ts";
import { knownNode, thisMachineTest } from "./nodes.ts";
import { createTransports, type Transports } from "./transports.ts";

/**
 * The executor for `nodeName`. With shared `transports` (or a shared `pool`) their owner closes
 * them; what the executor had to open itself it closes in close(). `isLocal` is the caller's
 * answer to "is this node this machine?" (from thisMachineTest); without it, the configuration
 * alone decides.
 */
export function createExecutorFor(
  nodeName: string,
  config: Config,
  deps: { pool?: SshPool; transports?: Transports; isLocal?: boolean } = {},
): Executor {
  const node = knownNode(nodeName, config);
  if (deps.isLocal ?? thisMachineTest(config)(nodeName)) return createLocalExecutor();
  const transports = deps.transports ?? createTransports(config, { pool: deps.pool });
  const executor = transports.executorFor(node);
  if (deps.transports) return executor;
  return { run: executor.run, close: () => transports.close() };
}
