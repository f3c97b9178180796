// Which node is which: known to the inventory (else the one NODE_UNKNOWN), and whether it is the
// machine we run on. Routing, the executor choice and the sampler all ask thisMachineTest (the
// sampler through its options); such a node runs in-process.

import os from "node:os";
import type { Config, NodeConfig } from "../config/load.ts";
import { isLocalAddress, isLocalNode, sameHost } from "../discovery/local.ts";
import { ClusterError } from "../errors.ts";

/**
 * The test for this config. `cachedAddress` gives a node's resolved address when one is known (a
 * name that resolved to one of this machine's addresses is this machine too). The embedded
 * default's only node always is.
 */
export function thisMachineTest(
  config: Config,
  cachedAddress: (node: string) => string | undefined = () => undefined,
): (node: string) => boolean {
  const single = config.source === "embedded default" && Object.keys(config.nodes).length === 1;
  // A Slurm partition is never "this machine", even when its submit host is.
  return (name) =>
    config.nodes[name]?.kind === "ssh" &&
    (single || isLocalNode(name, config, { cachedAddress: cachedAddress(name) }));
}

/** Is a slurm node's submit host this machine (srun/sbatch run here, not over SSH)? */
export function submitHostIsLocal(node: NodeConfig, hostname = os.hostname()): boolean {
  const host = node.host.toLowerCase();
  if (host === "localhost" || host === "127.0.0.1" || host === "::1") return true;
  if (sameHost(node.host, hostname)) return true;
  return node.ip !== undefined && isLocalAddress(node.ip);
}

/** NODE_UNKNOWN naming the node and listing the inventory. */
export function unknownNodeError(name: string, config: Config): ClusterError {
  const known = Object.keys(config.nodes);
  return new ClusterError(
    "NODE_UNKNOWN",
    `unknown node ${JSON.stringify(name)}; known nodes: ${known.join(", ") || "none"} (from ${config.source})`,
    { node: name, known },
  );
}

/** The node's config, or NODE_UNKNOWN. */
export function knownNode(name: string, config: Config): Config["nodes"][string] {
  const node = config.nodes[name];
  if (!node) throw unknownNodeError(name, config);
  return node;
}
