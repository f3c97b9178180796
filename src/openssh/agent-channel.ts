// The resident agent's channel over OpenSSH: one `ssh` session over the node's ControlMaster with
// its stdin and stdout as the two directions.
import type { AgentChannel } from "../agent/channel.ts";
import { processChannel } from "../agent/process-channel.ts";
import type { NodeConfig } from "../config/load.ts";
import type { OpensshHub } from "./hub.ts";

export function openOpensshAgentChannel(
  hub: OpensshHub,
  node: NodeConfig,
  command: string,
  signal?: AbortSignal,
): Promise<AgentChannel> {
  return hub.retrying(node, signal, async (link) =>
    processChannel(await hub.spawnPiped(node, link, command, "agent", signal)),
  );
}
