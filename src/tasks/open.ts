// The task machinery of one process for one state directory: store, audit log, recorder, upkeep.
import type { Config } from "../config/load.ts";
import { adoptJob } from "./adopt.ts";
import { AuditLog } from "./audit.ts";
import { pruneExpired, sweepInterrupted } from "./housekeeping.ts";
import { pruneStoredOutput } from "./output-prune.ts";
import { createTaskRecorder } from "./recorder.ts";
import type { RunRecorder } from "./request.ts";
import { type TaskRow, TaskStore } from "./store.ts";

/** Long-lived servers repeat the upkeep at most this often (on submit). */
const HOUSEKEEP_EVERY_MS = 3_600_000;

export interface Tasks {
  config: Config;
  stateDir: string;
  store: TaskStore;
  audit: AuditLog;
  recorder: RunRecorder;
  /** Marks tasks whose runner is gone as interrupted and prunes expired ones (throttled). */
  housekeep(force?: boolean): void;
  /** Starts a new runner for a task whose batch job outlived its runner (see adopt.ts). */
  adopt(row: TaskRow): boolean;
}

const opened = new Map<string, Tasks>();

/** Opens (once per process and state directory) the task store, and does the upkeep at once. */
export function openTasks(config: Config): Tasks {
  const stateDir = config.settings.state_dir;
  const existing = opened.get(stateDir);
  if (existing) return existing;
  const store = TaskStore.open(stateDir);
  const audit = new AuditLog(stateDir, { maxBytes: config.settings.audit_max_bytes });
  let last = 0;
  const tasks: Tasks = {
    config,
    stateDir,
    store,
    audit,
    recorder: createTaskRecorder(store, audit, undefined, {
      stateDir,
      outputLimit: config.settings.output_limit,
      storeMaxBytes: config.settings.output_store_max_bytes,
    }),
    adopt: (row) => adoptJob(store, config, row),
    housekeep(force = false) {
      const now = Date.now();
      if (!force && now - last < HOUSEKEEP_EVERY_MS) return;
      last = now;
      sweepInterrupted(tasks, now);
      pruneExpired(store, stateDir, config.settings.task_retention, now);
      pruneStoredOutput(store, config.settings.output_store_max_bytes);
    },
  };
  tasks.housekeep(true);
  opened.set(stateDir, tasks);
  return tasks;
}

/** Forgets the opened task machinery (tests that switch state directories). */
export function forgetOpenedTasks(): void {
  opened.clear();
}
