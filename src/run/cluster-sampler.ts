// Wiring for `serve`, `mcp` and `cluster-status`: a sampler over the shared transports and
// resolver, with this program's one answer to "is this node this machine?".

import { localShellExec } from "../cluster/local-exec.ts";
import { createSampler, type RemoteExec, type Sampler } from "../cluster/sampler.ts";
import type { NodeView } from "../cluster/view.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { resolverFor } from "../ssh/address.ts";
import { openStateDb } from "../state/db.ts";
import { submitHostIsLocal, thisMachineTest } from "./nodes.ts";
import { createTransports, type Transports } from "./transports.ts";

export interface ClusterSamplerDeps {
  /** The process's shared transports; without them the sampler opens its own and closes them in close(). */
  transports?: Transports;
  /** Running tasks per node, from the task runner. */
  running?: (node: string) => number;
  onUpdate?: (view: NodeView) => void;
}

/** A sampler wired to the real pool, resolver and state database. Not started: call start(). */
export function createClusterSampler(config: Config, deps: ClusterSamplerDeps = {}): Sampler {
  const transports = deps.transports ?? createTransports(config);
  const resolver = resolverFor(config);
  // A slurm node's sinfo runs on its submit host: this machine, or over the node's transport.
  const submitIsLocal = (n: NodeConfig) => n.kind === "slurm" && submitHostIsLocal(n);
  const remote: RemoteExec = (node, command, o) =>
    submitIsLocal(node)
      ? localShellExec(node, command, o)
      : transports.remoteExec(node, command, o);
  const sampler = createSampler({
    config,
    db: openStateDb(config.settings.state_dir),
    resolver,
    isLocal: thisMachineTest(config, (n) => resolver.peek(n)?.address),
    submitIsLocal,
    remote,
    transport: (node) => transports.choose(node),
    agentStatus: (name) => transports.agents.status(name),
    agentSample: async (node, timeoutMs) => {
      const choice = transports.peek(node.name);
      if (choice?.transport !== "ssh2" && choice?.transport !== "openssh") return undefined;
      return transports.agents.sample(node, choice.transport, timeoutMs);
    },
    running: deps.running,
    onUpdate: deps.onUpdate,
  });
  if (deps.transports) return sampler;
  return {
    ...sampler,
    close: async () => {
      await sampler.close();
      await transports.close();
    },
  };
}
