// Where a task's files live: <state_dir>/tasks/<id>.stdout, .stderr and the runner's own log.
import { join } from "node:path";
import { ensureDir } from "../state/dir.ts";

export interface TaskPaths {
  stdout: string;
  stderr: string;
  /** The detached runner's own stderr: crash diagnostics, empty when all went well. */
  runnerLog: string;
}

export function tasksDir(stateDir: string): string {
  return join(stateDir, "tasks");
}

export function taskPaths(stateDir: string, id: string): TaskPaths {
  const dir = tasksDir(stateDir);
  return {
    stdout: join(dir, `${id}.stdout`),
    stderr: join(dir, `${id}.stderr`),
    runnerLog: join(dir, `${id}.runner.log`),
  };
}

export function ensureTasksDir(stateDir: string): string {
  const dir = tasksDir(stateDir);
  return ensureDir(dir);
}
