// Submitting a background task: a queued row, then a detached runner that takes it.
import { ClusterError } from "../errors.ts";
import { newTaskId } from "../exec/task-id.ts";
import { type SpawnRunner, spawnRunner } from "./detach.ts";
import { interrupt } from "./housekeeping.ts";
import type { Tasks } from "./open.ts";
import { ensureTasksDir, taskPaths } from "./paths.ts";
import type { RunRequest } from "./request.ts";
import type { TaskRow } from "./store.ts";

export function submitTask(
  tasks: Tasks,
  req: RunRequest,
  spawn: SpawnRunner = spawnRunner,
): TaskRow {
  tasks.housekeep();
  ensureTasksDir(tasks.stateDir);
  const id = req.task_id ?? newTaskId();
  const paths = taskPaths(tasks.stateDir, id);
  const row = tasks.store.createQueued(
    { ...req, task_id: id, timeoutS: req.timeoutS ?? tasks.config.settings.task_timeout },
    paths,
  );
  try {
    tasks.store.setRunner(id, spawn(tasks.config, id, paths.runnerLog));
  } catch (err) {
    const message = `could not start its runner: ${(err as Error).message}`;
    interrupt(tasks.store, tasks.audit, row, message);
    throw new ClusterError("SPAWN_FAILED", `task ${id}: ${message}`, { task_id: id });
  }
  return tasks.store.get(id) ?? row;
}

/** The task, or TASK_UNKNOWN naming the id. */
export function getTask(tasks: Tasks, id: string): TaskRow {
  const row = tasks.store.get(id);
  if (!row)
    throw new ClusterError(
      "TASK_UNKNOWN",
      `no task ${JSON.stringify(id)} in ${tasks.stateDir} (see \`cluster-exec tasks\`; finished tasks are pruned after ${tasks.config.settings.task_retention} days)`,
      { task_id: id },
    );
  return row;
}

/** The task's stored output, or OUTPUT_PRUNED when the store's bound removed it. */
export function outputOf(
  tasks: Tasks,
  row: TaskRow,
): { stdout: string | null; stderr: string | null } {
  if (row.output_pruned)
    throw new ClusterError(
      "OUTPUT_PRUNED",
      `task ${row.id}: its output was removed to keep stored output under output_store_max_bytes (${tasks.config.settings.output_store_max_bytes} bytes, oldest first); its status is still there`,
      { task_id: row.id },
    );
  return { stdout: row.stdout_path, stderr: row.stderr_path };
}
