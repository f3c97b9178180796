// A task's row in the state database: its columns, their SQL and the decoding of a raw row.
import type { Database } from "bun:sqlite";

import type { JobRef } from "../exec/executor.ts";
import type { RouteInfo } from "../exec/result.ts";
import type { RunRequest } from "./request.ts";
import type { TaskState } from "./state.ts";

export interface TaskRow {
  id: string;
  command: string;
  requester: string;
  /** The request a background runner executes; null for foreground runs. */
  request: RunRequest | null;
  node: string;
  route_reason: string;
  route: RouteInfo | null;
  state: TaskState;
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  canceled: boolean;
  truncated: boolean;
  error_code: string | null;
  error_message: string | null;
  rule: string | null;
  bytes_out: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  stdout_path: string | null;
  stderr_path: string | null;
  /** Bytes of its output files once finished (what output_store_max_bytes counts); 0 when pruned. */
  output_bytes: number | null;
  /** Its output files were removed to keep the store under output_store_max_bytes. */
  output_pruned: boolean;
  runner_pid: number | null;
  runner_identity: string | null;
  claimed: boolean;
  cancel_requested: boolean;
  /** The run's process group, recorded as soon as it is known; null before (or never started). */
  pgid: number | null;
  /** Where that group is: a node reached over SSH, or null for this machine (the runner's). */
  pgid_node: string | null;
  /** What the sweep did to the group after the runner died ("process group … was killed", …). */
  group_kill: string | null;
  /**
   * A batch job (Slurm) that runs the task: its state lives in the scheduler, so the task outlives
   * its runner — a new runner follows the job (tasks/adopt.ts). null for every other task.
   */
  job: JobRef | null;
}

export interface RunnerRef {
  pid: number;
  identity: string | null;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  requester TEXT NOT NULL,
  request TEXT,
  node TEXT NOT NULL DEFAULT '',
  route_reason TEXT NOT NULL DEFAULT '',
  route TEXT,
  state TEXT NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  timed_out INTEGER NOT NULL DEFAULT 0,
  canceled INTEGER NOT NULL DEFAULT 0,
  truncated INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  rule TEXT,
  bytes_out INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms INTEGER,
  stdout_path TEXT,
  stderr_path TEXT,
  output_bytes INTEGER,
  output_pruned INTEGER NOT NULL DEFAULT 0,
  runner_pid INTEGER,
  runner_identity TEXT,
  claimed INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  job TEXT,
  pgid INTEGER,
  pgid_node TEXT,
  group_kill TEXT
);
CREATE INDEX IF NOT EXISTS tasks_unfinished ON tasks(state) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS tasks_finished_at ON tasks(finished_at);
CREATE INDEX IF NOT EXISTS tasks_created_at ON tasks(created_at);
`;

/** Columns added after the first release, for state databases created before them. */
const ADDED_COLUMNS: [string, string][] = [
  ["output_bytes", "INTEGER"],
  ["output_pruned", "INTEGER NOT NULL DEFAULT 0"],
  ["job", "TEXT"],
  ["pgid", "INTEGER"],
  ["pgid_node", "TEXT"],
  ["group_kill", "TEXT"],
];

/** Creates the table, or brings an older one up to date (SQLite adds columns in place). */
export function migrate(db: Database): void {
  db.exec(SCHEMA);
  const have = new Set(
    (db.query("PRAGMA table_info(tasks)").all() as { name: string }[]).map((c) => c.name),
  );
  for (const [name, type] of ADDED_COLUMNS)
    if (!have.has(name)) db.exec(`ALTER TABLE tasks ADD COLUMN ${name} ${type}`);
  db.exec(
    "CREATE INDEX IF NOT EXISTS tasks_stored_output ON tasks(finished_at) WHERE output_bytes > 0",
  );
}

export type Raw = Record<string, unknown>;

export function toRow(r: Raw): TaskRow {
  return {
    ...(r as unknown as TaskRow),
    request: r.request ? (JSON.parse(r.request as string) as RunRequest) : null,
    route: r.route ? (JSON.parse(r.route as string) as RouteInfo) : null,
    job: r.job ? (JSON.parse(r.job as string) as JobRef) : null,
    timed_out: r.timed_out === 1,
    canceled: r.canceled === 1,
    truncated: r.truncated === 1,
    claimed: r.claimed === 1,
    cancel_requested: r.cancel_requested === 1,
    output_pruned: r.output_pruned === 1,
  };
}
