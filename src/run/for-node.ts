// Picks the executor for a node: this machine runs locally, every other node over the ssh pool, a
// Slurm partition through its submit host's executor (local or ssh, chosen here).
import type { Config, NodeConfig } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { createSlurmExecutor } from "../slurm/executor.ts";
import { createSshExecutor } from "../ssh/executor.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import { knownNode, submitHostIsLocal, thisMachineTest } from "./nodes.ts";

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
  if (node.kind === "slurm") return slurmExecutor(node, config, deps.pool);
  if (deps.isLocal ?? thisMachineTest(config)(nodeName)) return createLocalExecutor();
  const pool = deps.pool ?? new SshPool(poolOptionsFrom(config));
  return createSshExecutor(node, pool, { ownsPool: !deps.pool });
}

/** srun/sbatch/scancel go through the submit host: this machine, or the node's SSH connection. */
function slurmExecutor(node: NodeConfig, config: Config, shared?: SshPool): Executor {
  const s = config.settings;
  const answerMs = (s.ssh_connect_timeout + 2 * s.ssh_timeout + 10) * 1000;
  if (submitHostIsLocal(node))
    return createSlurmExecutor(node, createLocalExecutor(), { answerMs, ownsHost: true });
  const pool = shared ?? new SshPool(poolOptionsFrom(config));
  const host = createSshExecutor(node, pool, { ownsPool: !shared });
  return createSlurmExecutor(node, host, { answerMs, ownsHost: true });
}
