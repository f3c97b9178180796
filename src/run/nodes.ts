// Which node is which: known to the inventory (else the one NODE_UNKNOWN), and whether it is the
// machine we run on. Routing, the executor choice and the sampler all ask thisMachineTest (the
// sampler through its options); such a node runs in-process.

import type { Config } from "../config/load.ts";
import { isLocalNode } from "../discovery/local.ts";
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
  return (name) =>
    name in config.nodes &&
    (single || isLocalNode(name, config, { cachedAddress: cachedAddress(name) }));
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
