// Canceling a task: flag it, signal its runner (which aborts the run: the executor kills the
// process group on whichever node it runs), then wait a bounded time for the task to end.
import { ClusterError } from "../errors.ts";
import { adoptable } from "./adopt.ts";
import { reapAndInterrupt, runnerGone } from "./housekeeping.ts";
import type { Tasks } from "./open.ts";
import { isFinished } from "./state.ts";
import type { TaskRow } from "./store.ts";
import { getTask } from "./submit.ts";
import { waitForTask } from "./wait.ts";

/** Long enough for TERM, the grace period, KILL and a remote kill over a fresh SSH channel. */
export function cancelWaitMs(tasks: Tasks): number {
  const s = tasks.config.settings;
  return (s.kill_grace + s.ssh_connect_timeout + 2 * s.ssh_timeout + 5) * 1000;
}

export async function cancelTask(
  tasks: Tasks,
  id: string,
  opts: { waitMs?: number } = {},
): Promise<TaskRow> {
  getTask(tasks, id); // TASK_UNKNOWN first
  const row = tasks.store.requestCancel(id) as TaskRow;
  if (isFinished(row.state)) return row;
  if (row.request === null)
    // Its runner is a CLI `run` or an MCP server serving other calls too: not ours to signal.
    throw new ClusterError(
      "USAGE",
      `task ${id} is a foreground run (${row.requester}, process ${row.runner_pid}); cancel it where it was started (Ctrl-C, or MCP notifications/cancelled)`,
      { task_id: id },
    );
  if (runnerGone(row)) {
    // A batch job still runs without its runner: a new one takes over, sees the cancel request
    // and scancels the job. Anything else: its process group is killed wherever it still runs.
    if (!(adoptable(row) && tasks.adopt(row))) {
      await reapAndInterrupt(tasks, row);
      return getTask(tasks, id);
    }
    return waitForTask(tasks, id, { timeoutMs: opts.waitMs ?? cancelWaitMs(tasks) });
  }
  // An unclaimed task's runner has not set up its handlers yet; it sees the flag when it claims.
  if (row.claimed && row.runner_pid !== null) {
    try {
      process.kill(row.runner_pid, "SIGTERM");
    } catch {
      // gone between the check and the signal: the wait below notices and marks it interrupted
    }
  }
  return waitForTask(tasks, id, { timeoutMs: opts.waitMs ?? cancelWaitMs(tasks) });
}
