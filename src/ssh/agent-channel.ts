// The resident agent's channel over ssh2: one exec channel of the node's first pooled connection,
// held for as long as the agent session lives (its "agent" session slot).
import type { AgentChannel } from "../agent/channel.ts";
import type { NodeConfig } from "../config/load.ts";
import type { SshPool } from "./pool.ts";
import type { RemoteProcess } from "./remote-process.ts";

const STDERR_KEEP = 4096;

/** Starts `command` (which execs the agent) on the node and hands its channel over. */
export async function openSshAgentChannel(
  pool: SshPool,
  node: NodeConfig,
  command: string,
  signal?: AbortSignal,
): Promise<AgentChannel> {
  return sshAgentChannel(await pool.exec(node, command, "agent", signal));
}

function sshAgentChannel(remote: RemoteProcess): AgentChannel {
  const { channel } = remote;
  let errText = "";
  let closed = false;
  const listeners: (() => void)[] = [];
  channel.stderr.on("data", (chunk: Buffer) => {
    errText = (errText + chunk.toString("utf8")).slice(-STDERR_KEEP);
  });
  void remote.closed.then(() => {
    closed = true;
    for (const l of listeners.splice(0)) l();
  });
  return {
    write(bytes) {
      if (!closed) channel.write(bytes);
    },
    onData(listener) {
      channel.on("data", listener);
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    stderr: () => errText,
    close() {
      // No EOF first: the agent takes its stdin's end as "the channel is gone" either way.
      channel.close();
    },
  };
}
