// The task machinery of this process with the group killer that reaches nodes: what the CLI and
// the servers open, so that every sweep can kill a dead runner's group wherever it runs.
import type { Config } from "../config/load.ts";
import { openTasks, type Tasks } from "../tasks/open.ts";
import { createGroupKiller } from "./group-killer.ts";

export function openTasksFor(config: Config): Tasks {
  return openTasks(config, { killGroup: createGroupKiller(config) });
}
