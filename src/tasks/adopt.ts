// A background task run by a batch job (Slurm) outlives its runner: the job's state and output live
// in the scheduler and on the submit host. When the runner is gone (killed, crashed, the machine
// restarted), whoever notices starts a new runner that follows the same job to its end.
import type { Config } from "../config/load.ts";
import { type SpawnRunner, spawnRunner } from "./detach.ts";
import { taskPaths } from "./paths.ts";
import type { TaskRow, TaskStore } from "./store.ts";

/** A runner that dies this often while following one job is not started again (it would loop). */
export const MAX_ADOPTIONS = 5;

/** Can a new runner take this task over (a background task with a batch job)? */
export function adoptable(row: TaskRow): boolean {
  return row.job !== null && row.request !== null && (row.job.adoptions ?? 0) < MAX_ADOPTIONS;
}

/**
 * Starts a runner that follows the task's job (`__run-task ID --resume`) and records it as the
 * task's runner — unless another process did so first, in which case ours is stopped at once (it
 * waits to see itself recorded before doing anything). True when the task has a live runner now.
 */
export function adoptJob(
  store: TaskStore,
  config: Config,
  row: TaskRow,
  spawn: SpawnRunner = spawnRunner,
): boolean {
  if (!adoptable(row)) return false;
  const old =
    row.runner_pid === null ? null : { pid: row.runner_pid, identity: row.runner_identity };
  let child: ReturnType<SpawnRunner>;
  try {
    child = spawn(config, row.id, taskPaths(config.settings.state_dir, row.id).runnerLog, {
      resume: true,
    });
  } catch {
    return false;
  }
  if (store.adopt(row.id, old, child)) {
    const job = row.job as NonNullable<TaskRow["job"]>;
    store.setJob(row.id, { ...job, adoptions: (job.adoptions ?? 0) + 1 });
    return true;
  }
  try {
    process.kill(child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  return true; // someone else adopted it
}
