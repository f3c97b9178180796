// The sweep's group kills wherever the group runs: on this machine by /bin/sh, on a node over the
// transport that node gets (ssh2, or `ssh` for a node only OpenSSH reaches: a ProxyJump, a
// certificate), made for the kill (the sweeping process may be a one-shot verb with none of its own).
import type { Config } from "../config/load.ts";
import { reapScript } from "../exec/reap-script.ts";
import { describeReap, type GroupKiller, localGroupKiller, whereIs } from "../tasks/group-kill.ts";
import { createTransports } from "./transports.ts";

export function createGroupKiller(config: Config): GroupKiller {
  const s = config.settings;
  const graceMs = s.kill_grace * 1000;
  // TERM, the grace period, KILL, the settling, plus a connection made for it.
  const boundMs = graceMs + (s.ssh_connect_timeout + 2 * s.ssh_timeout + 3) * 1000;
  const local = localGroupKiller(graceMs, boundMs);
  return async (t) => {
    if (t.node === null) return local(t);
    const node = config.nodes[t.node];
    if (!node)
      return `${whereIs(t)} was not killed: ${t.node} is no longer in the inventory (${config.source})`;
    const transports = createTransports(config);
    try {
      const r = await transports.remoteExec(node, reapScript(t.pgid, t.task_id, graceMs), {
        timeoutMs: boundMs,
        signal: new AbortController().signal,
      });
      return describeReap(t, r.stdout || r.stderr, graceMs);
    } catch (err) {
      return `${whereIs(t)} could not be killed: ${(err as Error).message}`;
    } finally {
      await transports.close();
    }
  };
}
