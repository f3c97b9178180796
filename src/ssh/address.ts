// Where to connect for a node: the discovery chain (mDNS → DNS → fallback ip), cached in the state
// database. One resolver per configuration per process, shared with the sampler and cluster-status.
import type { Config, NodeConfig } from "../config/load.ts";
import { createResolver, type Resolver } from "../discovery/resolve.ts";
import { ClusterError } from "../errors.ts";
import { openStateDb } from "../state/db.ts";

const resolvers = new WeakMap<Config, Resolver>();

/** The process-wide resolver for this configuration (address cache in its state database). */
export function resolverFor(config: Config): Resolver {
  let r = resolvers.get(config);
  if (!r) {
    r = createResolver({ config, db: openStateDb(config.settings.state_dir) });
    resolvers.set(config, r);
  }
  return r;
}

/**
 * The address to open an SSH connection to. Throws UNREACHABLE (details.stage "resolve") naming
 * every step's outcome when no step gave a usable address. For the local node (never reached over
 * SSH) it answers the configured ip or host without any lookup.
 */
export async function nodeAddress(
  node: NodeConfig,
  config: Config,
  opts: { signal?: AbortSignal } = {},
): Promise<string> {
  const r = await resolverFor(config).resolve(node.name, opts);
  if (r.is_local && !r.address) return node.ip ?? node.host;
  if (r.address) return r.address;
  throw new ClusterError("UNREACHABLE", r.error ?? `no usable address for node ${node.name}`, {
    node: node.name,
    stage: "resolve",
    attempts: r.attempts,
  });
}

/** Forget a node's cached address after a connect to it failed, so the next try resolves afresh. */
export function forgetAddress(node: NodeConfig, config: Config): void {
  resolverFor(config).invalidate(node.name);
}
