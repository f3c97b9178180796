// Start-of-process upkeep: tasks whose runner is gone become `interrupted` (their process group,
// when one was recorded, killed first: no run outlives its owner); old tasks are pruned.
import { rmSync } from "node:fs";
import { adoptable } from "./adopt.ts";
import type { AuditLog } from "./audit.ts";
import type { GroupKiller } from "./group-kill.ts";
import { isSameProcess } from "./liveness.ts";
import { tailPath } from "./output-file.ts";
import { taskPaths } from "./paths.ts";
import { isFinished } from "./state.ts";
import type { TaskRow, TaskStore } from "./store.ts";

/** A queued row with no runner recorded yet: its submitter gets this long to spawn one. */
const SPAWN_GRACE_MS = 30_000;
const DAY_MS = 86_400_000;

/**
 * What the upkeep works on (the opened Tasks): `adopt` starts a new runner for a batch job's task,
 * `killGroup` kills a dead runner's process group wherever it runs (without it, none is killed).
 */
export interface Upkeep {
  store: TaskStore;
  audit: AuditLog;
  adopt?: (row: TaskRow) => boolean;
  killGroup?: GroupKiller;
  /** Group kills in flight by task id, so that polling callers do not start one each. */
  reaping?: Map<string, Promise<boolean>>;
}

/** Is the row unfinished although nobody can finish it any more? */
export function runnerGone(row: TaskRow, now = Date.now()): boolean {
  if (isFinished(row.state)) return false;
  if (row.runner_pid === null) return now - row.created_at > SPAWN_GRACE_MS;
  return !isSameProcess(row.runner_pid, row.runner_identity);
}

/**
 * Marks the task interrupted (once, whoever notices first) and writes its audit end record.
 * `groupKill`: what was done to its process group, recorded with it.
 */
export function interrupt(
  store: TaskStore,
  audit: AuditLog,
  row: TaskRow,
  why?: string,
  groupKill: string | null = null,
): boolean {
  const job = row.job ? `; Slurm job ${row.job.job_id} may still be running` : "";
  const base =
    why ??
    (row.runner_pid === null
      ? "its runner was never started"
      : `its runner process ${row.runner_pid} is gone (killed, crashed or the machine restarted); the command's outcome is unknown${job}`);
  const message = groupKill ? `${base}; ${groupKill}` : base;
  if (!store.markInterrupted(row.id, message, groupKill)) return false;
  const after = store.get(row.id);
  try {
    // Written now; its fsync is not waited for (the row already says interrupted).
    void audit
      .append({
        event: "end",
        task_id: row.id,
        requester: row.requester,
        node: row.node,
        state: "interrupted",
        exit_code: null,
        signal: null,
        duration_ms: after?.duration_ms ?? null,
        bytes_out: null,
        timed_out: false,
        canceled: false,
        error_code: "TASK_INTERRUPTED",
        error: message,
      })
      .catch(() => {});
  } catch {
    // the store has the truth; a full disk must not stop the sweep
  }
  return true;
}

/**
 * A task whose runner is gone: its recorded process group is killed first (TERM, then KILL,
 * locally or over SSH, only if it still is this task's), then the task is marked interrupted with
 * what was done. Until then it stays `running`, which it still is. One kill per task at a time.
 */
export function reapAndInterrupt(t: Upkeep, row: TaskRow, why?: string): Promise<boolean> {
  if (row.pgid === null || !t.killGroup)
    return Promise.resolve(interrupt(t.store, t.audit, row, why));
  const reaping = t.reaping ?? new Map<string, Promise<boolean>>();
  const inFlight = reaping.get(row.id);
  if (inFlight) return inFlight;
  const target = { task_id: row.id, pgid: row.pgid, node: row.pgid_node };
  const work = t
    .killGroup(target)
    .catch((err: unknown) => `could not kill its process group: ${(err as Error).message}`)
    .then((killed) => interrupt(t.store, t.audit, row, why, killed))
    .finally(() => reaping.delete(row.id));
  reaping.set(row.id, work);
  return work;
}

/**
 * The row, with a dead runner noticed: what status, wait and cancel look at. A task run by a batch
 * job gets a new runner that follows the job; any other becomes interrupted (its group killed).
 */
export async function refreshed(t: Upkeep, row: TaskRow): Promise<TaskRow> {
  if (!runnerGone(row)) return row;
  if (!(adoptable(row) && t.adopt?.(row))) await reapAndInterrupt(t, row);
  return t.store.get(row.id) ?? row;
}

/**
 * Cheap: only rows still queued or running are looked at (an index covers them). Rows without a
 * process group are marked at once; group kills run concurrently.
 */
export async function sweepInterrupted(t: Upkeep, now = Date.now()): Promise<string[]> {
  const gone = t.store
    .unfinished()
    .filter((row) => runnerGone(row, now) && !(adoptable(row) && t.adopt?.(row)));
  const marked = await Promise.all(gone.map((row) => reapAndInterrupt(t, row)));
  return gone.filter((_, i) => marked[i]).map((row) => row.id);
}

/** Deletes finished tasks older than `retentionDays` with their files; returns how many. */
export function pruneExpired(
  store: TaskStore,
  stateDir: string,
  retentionDays: number,
  now = Date.now(),
): number {
  const rows = store.finishedBefore(now - retentionDays * DAY_MS);
  for (const row of rows) {
    const p = taskPaths(stateDir, row.id);
    for (const f of [row.stdout_path, row.stderr_path, p.stdout, p.stderr, p.runnerLog]) {
      if (!f) continue;
      rmSync(f, { force: true });
      rmSync(tailPath(f), { force: true });
    }
  }
  store.delete(rows.map((r) => r.id));
  return rows.length;
}
