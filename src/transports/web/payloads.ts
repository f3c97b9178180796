// What the status page is sent about tasks: running and recent runs from the store, the tail of a
// running task's output files, the tail of the audit log. Small, bounded reads only.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readOutputPage } from "../../tasks/output-read.ts";
import { isFinished } from "../../tasks/state.ts";
import type { TaskRow, TaskStore } from "../../tasks/store.ts";

export interface TaskItem {
  task_id: string;
  state: string;
  node: string;
  command: string;
  requester: string;
  route_reason: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  /** Epoch ms. */
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  /** A background task (its runner can be signalled); foreground runs are canceled where they started. */
  cancelable: boolean;
  /** It has output files the page can show. */
  has_output: boolean;
}

export interface TasksPayload {
  running: TaskItem[];
  recent: TaskItem[];
}

/** Commands are shown, not stored whole: a page needs the start of a long one. */
const COMMAND_CHARS = 500;
export const RECENT_RUNS = 15;
/** Bytes of each stream a running task's card shows. */
export const TAIL_BYTES = 4096;

export function taskItem(row: TaskRow): TaskItem {
  return {
    task_id: row.id,
    state: row.state,
    node: row.node,
    command: row.command.slice(0, COMMAND_CHARS),
    requester: row.requester,
    route_reason: row.route?.reason ?? row.route_reason,
    exit_code: row.exit_code,
    signal: row.signal,
    duration_ms: row.duration_ms,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    error: row.error_code ? `${row.error_code}: ${row.error_message ?? ""}` : null,
    cancelable: row.request !== null && !isFinished(row.state),
    has_output: row.stdout_path !== null || row.stderr_path !== null,
  };
}

export function tasksPayload(store: TaskStore): TasksPayload {
  const running = store
    .unfinished()
    .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
  const recent = store
    .list({ limit: RECENT_RUNS + running.length })
    .filter((r) => isFinished(r.state))
    .slice(0, RECENT_RUNS);
  return { running: running.map(taskItem), recent: recent.map(taskItem) };
}

/** The last `maxBytes` of a task's stream (file and running tail snapshot), as text. */
export function outputTail(path: string | null, maxBytes = TAIL_BYTES): string {
  if (path === null) return "";
  const size = readOutputPage(path, Number.MAX_SAFE_INTEGER, 0).size;
  const page = readOutputPage(path, Math.max(0, size - maxBytes), maxBytes);
  // Cut mid-character at the front: drop the replacement character that leaves.
  return page.offset > 0 ? page.chunk.replace(/^\uFFFD+/, "") : page.chunk;
}

/** One audit record as the page shows it (the log's own fields, long commands cut). */
export type AuditLine = Record<string, unknown>;

const AUDIT_TAIL_BYTES = 32 * 1024;

/** The newest `maxLines` records of the audit log, newest first; [] when there is none. */
export function auditTail(path: string, maxLines = 15): AuditLine[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  let text: string;
  let fromStart: boolean;
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - AUDIT_TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, start + n);
      if (r === 0) break;
      n += r;
    }
    text = buf.subarray(0, n).toString("utf8");
    fromStart = start === 0;
  } finally {
    closeSync(fd);
  }
  const lines = text.split("\n");
  if (!fromStart) lines.shift(); // began mid-line
  const out: AuditLine[] = [];
  for (let i = lines.length - 1; i >= 0 && out.length < maxLines; i--) {
    const line = lines[i]?.trim();
    if (!line) continue;
    try {
      const rec = JSON.parse(line) as AuditLine;
      if (typeof rec.command === "string") rec.command = rec.command.slice(0, COMMAND_CHARS);
      out.push(rec);
    } catch {
      // a line being written by another process, or not ours: skip it
    }
  }
  return out;
}
