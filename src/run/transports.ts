// How each remote node is reached — the in-process ssh2 pool or the `ssh` program over a
// ControlMaster — decided once per node per process (`ssh -G` is local but spawns a process: never
// on the routing path), and the executor and probe channel that go with the decision.

import { SessionClosed } from "../agent/client.ts";
import { poolRemoteExec } from "../cluster/pool-exec.ts";
import type { RemoteExec } from "../cluster/sampler.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { toClusterError } from "../errors.ts";
import type { Executor } from "../exec/executor.ts";
import { notStartedOutcome } from "../exec/result.ts";
import { chooseTransport, type TransportChoice } from "../openssh/choose-transport.ts";
import { runOpenssh } from "../openssh/executor.ts";
import { OpensshHub } from "../openssh/hub.ts";
import { opensshOptionsFrom } from "../openssh/options.ts";
import { opensshRemoteExec } from "../openssh/remote-exec.ts";
import { runRemote } from "../ssh/executor.ts";
import { poolOptionsFrom, SshPool } from "../ssh/pool.ts";
import { type Agents, createAgents } from "./agents.ts";

export interface Transports {
  pool: SshPool;
  openssh: OpensshHub;
  /** The node's transport and why (cached; the first call may run `ssh -G`). */
  choose(node: NodeConfig): Promise<TransportChoice>;
  /** The decision when already made: no process spawned. */
  peek(node: string): TransportChoice | undefined;
  /** An executor for a remote node, over whichever transport it gets. */
  executorFor(node: NodeConfig): Executor;
  /** The sampler's channel to a remote node. */
  remoteExec: RemoteExec;
  /** The resident agents (off unless this process asked for them). */
  agents: Agents;
  /** Closes what this object created (a pool or hub passed in stays open). */
  close(): Promise<void>;
}

export function createTransports(
  config: Config,
  deps: { pool?: SshPool; openssh?: OpensshHub; agents?: boolean } = {},
): Transports {
  const pool = deps.pool ?? new SshPool(poolOptionsFrom(config));
  const openssh = deps.openssh ?? new OpensshHub(opensshOptionsFrom(config));
  const agents = createAgents(config, {
    pool,
    openssh,
    enabled: (deps.agents ?? false) && config.settings.agent !== "off",
  });
  const env = { home: config.settings.home, ssh_auth_sock: config.settings.ssh_auth_sock };
  const choices = new Map<string, Promise<TransportChoice>>();
  const settled = new Map<string, TransportChoice>();

  const choose = (node: NodeConfig): Promise<TransportChoice> => {
    let p = choices.get(node.name);
    if (!p) {
      p = (async () => {
        if ((node.transport ?? "auto") === "ssh2") return chooseTransport(node, undefined, env);
        const view = await openssh.sshConfig(node).catch((err: unknown) => err as Error);
        // Asked for openssh explicitly: without a working `ssh -G` nothing can be done.
        if (node.transport === "openssh" && view instanceof Error) throw view;
        return chooseTransport(node, view, env);
      })();
      p.then(
        (c) => settled.set(node.name, c),
        () => {},
      );
      choices.set(node.name, p);
    }
    return p;
  };

  const viaPool = poolRemoteExec(pool);
  const viaOpenssh = opensshRemoteExec(openssh);
  return {
    pool,
    openssh,
    agents,
    choose,
    peek: (name) => settled.get(name),
    executorFor: (node) => ({
      run: async (spec, signal) => {
        let choice: TransportChoice;
        try {
          choice = await choose(node);
        } catch (err) {
          const e = toClusterError(err);
          return notStartedOutcome(0, { code: e.code, message: e.message });
        }
        // Through the node's agent when it is up (one frame each way); else one SSH session.
        const session = agents.session(node, choice.transport);
        if (session?.alive) {
          try {
            return await session.run(spec, signal);
          } catch (err) {
            // Closed just now, before anything was sent: the per-command path below. A failing
            // output sink (anything else) belongs to the caller.
            if (!(err instanceof SessionClosed)) throw err;
          }
        }
        return choice.transport === "openssh"
          ? runOpenssh(node, openssh, spec, signal)
          : runRemote(node, pool, spec, signal);
      },
      close: async () => {},
    }),
    remoteExec: async (node, command, opts) =>
      (await choose(node)).transport === "openssh"
        ? viaOpenssh(node, command, opts)
        : viaPool(node, command, opts),
    async close() {
      agents.close();
      await Promise.all([
        deps.pool ? undefined : pool.close(),
        deps.openssh ? undefined : openssh.close(),
      ]);
    },
  };
}
