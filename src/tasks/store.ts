// The task store: one row per run (foreground and background) in the state database.
import type { Database, Statement } from "bun:sqlite";
import type { JobRef } from "../exec/executor.ts";
import type { RunResult } from "../exec/result.ts";
import { openStateDb } from "../state/db.ts";
import type { RunRequest } from "./request.ts";
import { isFinished, stateOfResult, type TaskState } from "./state.ts";
import { migrate, type Raw, type RunnerRef, type TaskRow, toRow } from "./task-row.ts";

export type { RunnerRef, TaskRow } from "./task-row.ts";

export class TaskStore {
  /** The two writes of every run, prepared once (db.query would look them up by text each time). */
  private readonly startStmt: Statement;
  private readonly finishStmt: Statement;
  private readonly groupStmt: Statement;

  constructor(readonly db: Database) {
    migrate(db);
    this.startStmt = db.prepare(START_SQL);
    this.finishStmt = db.prepare(FINISH_SQL);
    this.groupStmt = db.prepare("UPDATE tasks SET pgid = $pgid, pgid_node = $node WHERE id = $id");
  }

  /**
   * A run's two writes wait in the database's queue for the next flush: one transaction (one WAL
   * commit) for every write of the same moment — the start while the command starts, a batch's
   * ends together. Every read flushes first, so this process always reads its own writes.
   */
  private get queue(): WriteQueue {
    let q = queues.get(this.db);
    if (!q) {
      q = new WriteQueue(this.db);
      queues.set(this.db, q);
    }
    return q;
  }

  /** Writes what is queued, in one transaction. Throws what the database throws. */
  flush(): void {
    this.queue.flush();
  }

  /** Resolves once what is queued now has been written (or failed: flush reports that). */
  flushed(): Promise<void> {
    return this.queue.flushed();
  }

  private defer(write: () => void): void {
    this.queue.push(write);
  }

  static open(stateDir: string): TaskStore {
    return new TaskStore(openStateDb(stateDir));
  }

  /** A background task before its runner exists. */
  createQueued(
    req: RunRequest & { task_id: string },
    paths: { stdout: string; stderr: string },
  ): TaskRow {
    this.flush();
    this.db
      .query(
        `INSERT INTO tasks (id, command, requester, request, node, state, created_at, stdout_path, stderr_path)
         VALUES ($id, $command, $requester, $request, $node, 'queued', $now, $stdout, $stderr)`,
      )
      .run({
        id: req.task_id,
        command: req.command,
        requester: req.requester,
        request: JSON.stringify(req),
        node: req.node ?? "",
        now: Date.now(),
        stdout: paths.stdout,
        stderr: paths.stderr,
      });
    return this.mustGet(req.task_id);
  }

  /** The submitter records the runner it spawned (the runner records itself again on claim). */
  setRunner(id: string, runner: RunnerRef): void {
    this.flush();
    this.db
      .query(
        "UPDATE tasks SET runner_pid = $pid, runner_identity = $identity WHERE id = $id AND claimed = 0",
      )
      .run({ id, pid: runner.pid, identity: runner.identity });
  }

  /**
   * The runner takes its queued task. Serialised with requestCancel by SQLite: either the runner
   * sees the cancel request here, or the canceler sees `claimed` and signals the runner.
   */
  claim(id: string, runner: RunnerRef): { cancelRequested: boolean } | undefined {
    this.flush();
    const r = this.db
      .query(
        `UPDATE tasks SET claimed = 1, runner_pid = $pid, runner_identity = $identity
         WHERE id = $id AND state = 'queued' AND claimed = 0 RETURNING cancel_requested`,
      )
      .get({ id, pid: runner.pid, identity: runner.identity }) as Raw | null;
    return r ? { cancelRequested: r.cancel_requested === 1 } : undefined;
  }

  /** The batch job that runs the task (and its latest state), as the executor reports it. */
  setJob(id: string, job: JobRef): void {
    this.flush();
    this.db
      .query("UPDATE tasks SET job = $job WHERE id = $id")
      .run({ id, job: JSON.stringify(job) });
  }

  /**
   * A new runner takes over an unfinished task whose runner is gone (compare-and-set on the old
   * runner, so of several processes noticing at once exactly one succeeds).
   */
  adopt(id: string, old: RunnerRef | null, next: RunnerRef): boolean {
    this.flush();
    return (
      this.db
        .query(
          `UPDATE tasks SET runner_pid = $pid, runner_identity = $identity
           WHERE id = $id AND state IN ('queued', 'running')
             AND runner_pid IS $old_pid AND runner_identity IS $old_identity`,
        )
        .run({
          id,
          pid: next.pid,
          identity: next.identity,
          old_pid: old?.pid ?? null,
          old_identity: old?.identity ?? null,
        }).changes > 0
    );
  }

  requestCancel(id: string): TaskRow | undefined {
    this.flush();
    const r = this.db
      .query("UPDATE tasks SET cancel_requested = 1 WHERE id = $id RETURNING *")
      .get({ id }) as Raw | null;
    return r ? toRow(r) : undefined;
  }

  /**
   * A run starts: the background row turns running, a foreground run gets its row now. `paths`
   * are where its output is kept (a background task has had them since it was queued).
   */
  started(
    rec: {
      task_id: string;
      requester: string;
      command: string;
      node: string;
      route_reason: string;
      started_at: number;
    },
    runner: RunnerRef,
    paths?: { stdout: string; stderr: string },
  ): void {
    const row = {
      stdout: paths?.stdout ?? null,
      stderr: paths?.stderr ?? null,
      id: rec.task_id,
      command: rec.command,
      requester: rec.requester,
      node: rec.node,
      reason: rec.route_reason,
      at: rec.started_at,
      pid: runner.pid,
      identity: runner.identity,
    };
    this.defer(() => this.startStmt.run(row));
  }

  /** The run's process group is known: where to find it should its runner die. */
  setGroup(id: string, group: { pgid: number; node: string | null }): void {
    // Queued behind the run's start row (same flush, within this turn of the event loop).
    const row = { id, pgid: group.pgid, node: group.node };
    this.defer(() => this.groupStmt.run(row));
  }

  /**
   * A run ended, however it ended. Returns the state it was given. `outputBytes`: the size of its
   * stored output files.
   */
  finished(
    result: RunResult,
    bytesOut: number,
    finishedAt = Date.now(),
    outputBytes: number | null = null,
  ): TaskState {
    const state = stateOfResult(result);
    const err = result.error as { code: string; message: string; rule?: string } | undefined;
    const row = {
      id: result.task_id,
      state,
      node: result.node,
      route: JSON.stringify(result.route),
      exit: result.exit_code,
      signal: result.signal,
      timed_out: result.timed_out ? 1 : 0,
      canceled: result.canceled ? 1 : 0,
      truncated: result.truncated ? 1 : 0,
      error_code: err?.code ?? null,
      error_message: err?.message ?? null,
      rule: err?.rule ?? null,
      bytes_out: bytesOut,
      output_bytes: outputBytes,
      at: finishedAt,
      duration: result.duration_ms,
    };
    this.defer(() => this.finishStmt.run(row));
    return state;
  }

  /**
   * Marks a task whose runner is gone, with what was done to its process group (if anything);
   * false when it had finished meanwhile.
   */
  markInterrupted(
    id: string,
    message: string,
    groupKill: string | null = null,
    at = Date.now(),
  ): boolean {
    this.flush();
    const r = this.db
      .query(
        `UPDATE tasks SET state = 'interrupted', error_code = 'TASK_INTERRUPTED', error_message = $message,
           group_kill = $kill, finished_at = $at,
           duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE $at - started_at END
         WHERE id = $id AND state IN ('queued', 'running')`,
      )
      .run({ id, message, kill: groupKill, at });
    return r.changes > 0;
  }

  get(id: string): TaskRow | undefined {
    this.flush();
    const r = this.db.query("SELECT * FROM tasks WHERE id = $id").get({ id }) as Raw | null;
    return r ? toRow(r) : undefined;
  }

  mustGet(id: string): TaskRow {
    const row = this.get(id);
    if (!row) throw new Error(`task ${id} vanished from the store`);
    return row;
  }

  /** Newest first. */
  list(opts: { state?: TaskState; limit?: number } = {}): TaskRow[] {
    this.flush();
    const limit = opts.limit ?? 20;
    const rows = opts.state
      ? this.db
          .query(
            "SELECT * FROM tasks WHERE state = $state ORDER BY created_at DESC, id DESC LIMIT $limit",
          )
          .all({ state: opts.state, limit })
      : this.db.query("SELECT * FROM tasks ORDER BY created_at DESC, id DESC LIMIT $limit").all({
          limit,
        });
    return (rows as Raw[]).map(toRow);
  }

  unfinished(): TaskRow[] {
    this.flush();
    return (
      this.db.query("SELECT * FROM tasks WHERE state IN ('queued', 'running')").all() as Raw[]
    ).map(toRow);
  }

  /** Finished tasks that ended before `before` (ms), oldest first, at most `limit`. */
  finishedBefore(before: number, limit = 500): TaskRow[] {
    this.flush();
    return (
      this.db
        .query("SELECT * FROM tasks WHERE finished_at < $before ORDER BY finished_at LIMIT $limit")
        .all({ before, limit }) as Raw[]
    )
      .map(toRow)
      .filter((r) => isFinished(r.state));
  }

  delete(ids: string[]): void {
    this.flush();
    const del = this.db.query("DELETE FROM tasks WHERE id = $id");
    // IMMEDIATE: the write lock is taken (and waited for) first; a read turned into a write
    // inside a deferred transaction gets "database is locked" at once under another writer.
    this.db
      .transaction(() => {
        for (const id of ids) del.run({ id });
      })
      .immediate();
  }
}

const START_SQL = `INSERT INTO tasks (id, command, requester, node, route_reason, state, created_at, started_at, runner_pid, runner_identity, claimed, stdout_path, stderr_path)
         VALUES ($id, $command, $requester, $node, $reason, 'running', $at, $at, $pid, $identity, 1, $stdout, $stderr)
         ON CONFLICT(id) DO UPDATE SET node = $node, route_reason = $reason, state = 'running',
           started_at = $at, runner_pid = $pid, runner_identity = $identity, claimed = 1,
           stdout_path = COALESCE(stdout_path, $stdout), stderr_path = COALESCE(stderr_path, $stderr)`;

const FINISH_SQL = `UPDATE tasks SET state = $state, node = $node, route = $route, exit_code = $exit,
           signal = $signal, timed_out = $timed_out, canceled = $canceled, truncated = $truncated,
           error_code = $error_code, error_message = $error_message, rule = $rule,
           bytes_out = $bytes_out, finished_at = $at, duration_ms = $duration,
           output_bytes = COALESCE($output_bytes, output_bytes),
           started_at = COALESCE(started_at, $at)
         WHERE id = $id`;

/** Queued writes of one database (shared by every TaskStore on it in this process). */
class WriteQueue {
  private pending: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  private timer: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly db: Database) {}

  push(write: () => void): void {
    this.pending.push(write);
    this.timer ??= setImmediate(() => {
      try {
        this.flush();
      } catch (err) {
        process.stderr.write(
          `cluster-exec: could not write the task store: ${(err as Error).message}\n`,
        );
      }
    });
  }

  flush(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    const writes = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      if (writes.length === 1) writes[0]?.();
      else if (writes.length > 1)
        this.db
          .transaction(() => {
            for (const w of writes) w();
          })
          .immediate(); // see delete()
    } finally {
      for (const w of waiters) w();
    }
  }

  flushed(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const queues = new WeakMap<Database, WriteQueue>();
