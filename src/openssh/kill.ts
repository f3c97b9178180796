// Killing a run's process group on a node over a second session of its ControlMaster (closing a
// session kills nothing): the shared kill script, TERM, then KILL after the grace period.
import { withTimeout } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { buildKillScript } from "../remote/remote-command.ts";
import type { OpensshHub } from "./hub.ts";

/** Kills group `pgid` on the node (TERM, grace, KILL), never waiting longer than `boundMs`. */
export async function killGroupOver(
  hub: OpensshHub,
  node: NodeConfig,
  pgid: number,
  graceMs: number,
  boundMs: number,
): Promise<void> {
  const abort = new AbortController();
  const work = hub
    .retrying(node, abort.signal, async (link) => {
      const proc = await hub.spawn(
        node,
        link,
        buildKillScript(pgid, graceMs),
        "control",
        abort.signal,
      );
      await Promise.all([
        proc.exited,
        new Response(proc.stdout).arrayBuffer(),
        new Response(proc.stderr).arrayBuffer(),
      ]);
    })
    .then(() => true)
    .catch(() => true); // a node we cannot reach has nothing we could kill
  if ((await withTimeout(work, boundMs)) === undefined) abort.abort();
}
