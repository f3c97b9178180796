// The audit log: append-only JSONL in the state directory, one fsync'd line per record, rotated
// by size into timestamped files that are kept (never rewritten, never deleted here).
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensureDir } from "../state/dir.ts";

export const AUDIT_FILE = "audit.jsonl";

export interface AuditStart {
  event: "start";
  task_id: string;
  requester: string;
  command: string;
  node: string;
  route_reason: string;
}

export interface AuditEnd {
  event: "end";
  task_id: string;
  requester: string;
  node: string;
  state: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  bytes_out: number | null;
  timed_out: boolean;
  canceled: boolean;
  error_code?: string;
  error?: string;
  /** The policy rule that refused the command. */
  rule?: string;
}

/** A file written or read for an agent (put_file, get_file, copy) or a binary deployed. */
export interface AuditFile {
  event: "file";
  op: "put" | "get" | "deploy";
  requester: string;
  node: string;
  path: string;
  /** Bytes written (the whole file after an append) or read. */
  bytes: number | null;
  outcome: "ok" | "refused" | "failed";
  sha256?: string;
  error_code?: string;
  error?: string;
  /** The policy rule that refused the path. */
  rule?: string;
}

export type AuditRecord = AuditStart | AuditEnd | AuditFile;

export interface AuditOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxBytes: number;
}

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
const host = hostname();

export class AuditLog {
  readonly path: string;

  constructor(
    readonly dir: string,
    private readonly opts: AuditOptions,
  ) {
    this.path = join(dir, AUDIT_FILE);
  }

  /**
   * Appends one record as a single write(2) of a whole line on an O_APPEND descriptor, then fsyncs:
   * writers in several processes never interleave inside a line, and a line once written stays.
   */
  append(record: AuditRecord, at = new Date()): void {
    const line = Buffer.from(
      `${JSON.stringify({ time: at.toISOString(), host, pid: process.pid, ...record })}\n`,
    );
    ensureDir(this.dir);
    this.rotateIfFull(line.length, at);
    // Opened per record: after another process rotated, the next record goes to the new file.
    const fd = openSync(this.path, APPEND, 0o600);
    try {
      const n = writeSync(fd, line);
      if (n !== line.length)
        throw new Error(`audit log ${this.path}: short write (${n} of ${line.length} bytes)`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Renames the full file to audit.jsonl.<UTC time>-<pid>. Two processes rotating at once can at
   * worst leave a small rotated file; rename is atomic, so no line is ever lost or split.
   */
  private rotateIfFull(adding: number, at: Date): void {
    const size = statSync(this.path, { throwIfNoEntry: false })?.size ?? 0;
    if (size === 0 || size + adding <= this.opts.maxBytes) return;
    const stamp = at.toISOString().replace(/[-:]/g, "").replace(".", "");
    try {
      renameSync(this.path, `${this.path}.${stamp}-${process.pid}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // rotated by another writer
    }
  }
}
