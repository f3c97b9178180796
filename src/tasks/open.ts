// The task machinery of one process for one state directory: store, audit log, recorder, upkeep.
import type { Config } from "../config/load.ts";
import { adoptJob } from "./adopt.ts";
import { AuditLog } from "./audit.ts";
import { type GroupKiller, localGroupKiller } from "./group-kill.ts";
import { pruneExpired, sweepInterrupted, type Upkeep } from "./housekeeping.ts";
import { pruneStoredOutput } from "./output-prune.ts";
import { createTaskRecorder } from "./recorder.ts";
import type { RunRecorder } from "./request.ts";
import { type TaskRow, TaskStore } from "./store.ts";

/** Long-lived servers repeat the upkeep at most this often (on submit). */
const HOUSEKEEP_EVERY_MS = 3_600_000;

export interface Tasks extends Upkeep {
  config: Config;
  stateDir: string;
  recorder: RunRecorder;
  killGroup: GroupKiller;
  reaping: Map<string, Promise<boolean>>;
  /**
   * Marks tasks whose runner is gone as interrupted (their process groups killed first) and prunes
   * expired ones (throttled).
   */
  housekeep(force?: boolean): Promise<void>;
  /** The upkeep done on open: verbs that read task states await it (bounded by the kill bounds). */
  ready: Promise<void>;
  /** Starts a new runner for a task whose batch job outlived its runner (see adopt.ts). */
  adopt(row: TaskRow): boolean;
}

export interface TaskDeps {
  /** Kills a dead runner's group wherever it runs; default: this machine's groups only. */
  killGroup?: GroupKiller;
}

const opened = new Map<string, Tasks>();

/**
 * Opens (once per process and state directory) the task store, and starts the upkeep at once. A
 * later open with a `killGroup` gives the opened machinery that killer.
 */
export function openTasks(config: Config, deps: TaskDeps = {}): Tasks {
  const stateDir = config.settings.state_dir;
  const existing = opened.get(stateDir);
  if (existing) {
    if (deps.killGroup) existing.killGroup = deps.killGroup;
    return existing;
  }
  const store = TaskStore.open(stateDir);
  const audit = new AuditLog(stateDir, { maxBytes: config.settings.audit_max_bytes });
  let last = 0;
  const { kill_grace } = config.settings;
  const tasks: Tasks = {
    config,
    stateDir,
    store,
    audit,
    reaping: new Map(),
    killGroup: deps.killGroup ?? localGroupKiller(kill_grace * 1000, (kill_grace + 5) * 1000),
    recorder: createTaskRecorder(store, audit, undefined, {
      stateDir,
      outputLimit: config.settings.output_limit,
      storeMaxBytes: config.settings.output_store_max_bytes,
    }),
    adopt: (row) => adoptJob(store, config, row),
    async housekeep(force = false) {
      const now = Date.now();
      if (!force && now - last < HOUSEKEEP_EVERY_MS) return;
      last = now;
      pruneExpired(store, stateDir, config.settings.task_retention, now);
      pruneStoredOutput(store, config.settings.output_store_max_bytes);
      await sweepInterrupted(tasks, now);
    },
    ready: Promise.resolve(),
  };
  tasks.ready = tasks.housekeep(true).catch((err: unknown) => {
    process.stderr.write(`cluster-exec: task upkeep failed: ${(err as Error).message}\n`);
  });
  opened.set(stateDir, tasks);
  return tasks;
}

/** Forgets the opened task machinery (tests that switch state directories). */
export function forgetOpenedTasks(): void {
  opened.clear();
}
