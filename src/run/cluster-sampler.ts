// Wiring for `serve`, `mcp` and `cluster-status`: a sampler over the shared SSH pool and resolver,
// with this program's one answer to "is this node this machine?".

import { localShellExec } from "../cluster/local-exec.ts";
import { poolRemoteExec } from "../cluster/pool-exec.ts";
import { createSampler, type RemoteExec, type Sampler } from "../cluster/sampler.ts";
import type { NodeView } from "../cluster/view.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { resolverFor } from "../ssh/address.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import { openStateDb } from "../state/db.ts";
import { submitHostIsLocal, thisMachineTest } from "./nodes.ts";

export interface ClusterSamplerDeps {
  /** The process's shared pool; without one the sampler opens its own and closes it in close(). */
  pool?: SshPool;
  /** Running tasks per node, from the task runner. */
  running?: (node: string) => number;
  onUpdate?: (view: NodeView) => void;
}

/** A sampler wired to the real pool, resolver and state database. Not started: call start(). */
export function createClusterSampler(config: Config, deps: ClusterSamplerDeps = {}): Sampler {
  const pool = deps.pool ?? new SshPool(poolOptionsFrom(config));
  const resolver = resolverFor(config);
  const overSsh = poolRemoteExec(pool);
  // A slurm node's sinfo runs on its submit host: this machine, or over the node's connection.
  const submitIsLocal = (n: NodeConfig) => n.kind === "slurm" && submitHostIsLocal(n);
  const remote: RemoteExec = (node, command, o) =>
    submitIsLocal(node) ? localShellExec(node, command, o) : overSsh(node, command, o);
  const sampler = createSampler({
    config,
    db: openStateDb(config.settings.state_dir),
    resolver,
    isLocal: thisMachineTest(config, (n) => resolver.peek(n)?.address),
    submitIsLocal,
    remote,
    running: deps.running,
    onUpdate: deps.onUpdate,
  });
  if (deps.pool) return sampler;
  return {
    ...sampler,
    close: async () => {
      await sampler.close();
      await pool.close();
    },
  };
}
