// Picks the executor for a node: this machine runs locally, every other node over its transport
// (the ssh2 pool, or `ssh` over a ControlMaster — see transports.ts), a Slurm partition through
// its submit host's executor (this machine's, or the node's transport), chosen here.
import type { Config, NodeConfig } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { createSlurmExecutor } from "../slurm/executor.ts";
import type { SshPool } from "../ssh/pool.ts";
import { knownNode, submitHostIsLocal, thisMachineTest } from "./nodes.ts";
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
  if (node.kind === "slurm") return slurmExecutor(node, config, deps);
  if (deps.isLocal ?? thisMachineTest(config)(nodeName)) return createLocalExecutor();
  return remoteExecutor(node, config, deps);
}

function remoteExecutor(
  node: NodeConfig,
  config: Config,
  deps: { pool?: SshPool; transports?: Transports },
): Executor {
  const transports = deps.transports ?? createTransports(config, { pool: deps.pool });
  const executor = transports.executorFor(node);
  if (deps.transports) return executor;
  return { run: executor.run, close: () => transports.close() };
}

/**
 * srun/sbatch/scancel go through the submit host: this machine, or the node's own transport (its
 * host, user, port, key; ssh2 or openssh as for any node).
 */
function slurmExecutor(
  node: NodeConfig,
  config: Config,
  deps: { pool?: SshPool; transports?: Transports },
): Executor {
  const s = config.settings;
  const answerMs = (s.ssh_connect_timeout + 2 * s.ssh_timeout + 10) * 1000;
  const host = submitHostIsLocal(node) ? createLocalExecutor() : remoteExecutor(node, config, deps);
  return createSlurmExecutor(node, host, { answerMs, ownsHost: true });
}
