// The audit log: append-only JSONL in the state directory, one line per record written at once,
// made durable by a group commit (one fsync, off the main thread, for every record written while
// the previous one ran), rotated by size into timestamped files that are kept (never rewritten,
// never deleted here).
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsync,
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
  /** The descriptor records are appended on, and the file (inode) it points to. */
  private fd: { fd: number; ino: number } | undefined;
  /** Descriptors written since their last fsync (the current one, and one rotated away). */
  private readonly dirty = new Set<number>();
  /** Descriptors replaced after a rotation: closed once synced. */
  private readonly retired = new Set<number>();
  /** Callers waiting for the next fsync. */
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private syncing = false;

  constructor(
    readonly dir: string,
    private readonly opts: AuditOptions,
  ) {
    this.path = join(dir, AUDIT_FILE);
  }

  /**
   * Appends one record as a single write(2) of a whole line on an O_APPEND descriptor: writers in
   * several processes never interleave inside a line. Returns when the line is on disk (fsync'd):
   * the write itself happens now, the wait is the caller's choice (a run starts meanwhile).
   */
  append(record: AuditRecord, at = new Date()): Promise<void> {
    const line = Buffer.from(
      `${JSON.stringify({ time: at.toISOString(), host, pid: process.pid, ...record })}\n`,
    );
    const ino = this.rotateIfFull(line.length, at);
    const fd = this.descriptor(ino);
    const n = writeSync(fd, line);
    if (n !== line.length)
      throw new Error(`audit log ${this.path}: short write (${n} of ${line.length} bytes)`);
    this.dirty.add(fd);
    return this.durable();
  }

  /** Resolves once every record appended so far is on disk. */
  durable(): Promise<void> {
    if (this.dirty.size === 0 && !this.syncing) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.syncing) this.flush();
    return p;
  }

  /** Syncs and closes the descriptor (a process that is done with the log). */
  async close(): Promise<void> {
    await this.durable().catch(() => {});
    if (this.fd) closeSync(this.fd.fd);
    this.fd = undefined;
  }

  /** One fsync per dirty descriptor for everyone waiting now; those who come meanwhile wait for the next. */
  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const fds = [...this.dirty];
    this.dirty.clear();
    this.syncing = true;
    Promise.all(fds.map((fd) => syncFd(fd)))
      .then(
        () => {
          for (const w of batch) w.resolve();
        },
        (err: Error) => {
          for (const w of batch)
            w.reject(new Error(`audit log ${this.path}: fsync: ${err.message}`));
        },
      )
      .finally(() => {
        this.syncing = false;
        for (const fd of this.retired)
          if (!this.dirty.has(fd)) {
            this.retired.delete(fd);
            closeSync(fd);
          }
        if (this.waiting.length > 0 || this.dirty.size > 0) this.flush();
      });
  }

  /** The descriptor of the file at the path now (`ino`); reopened after anyone rotated it. */
  private descriptor(ino: number | undefined): number {
    if (this.fd && this.fd.ino === ino) return this.fd.fd;
    if (this.fd) {
      if (this.dirty.has(this.fd.fd) || this.syncing) this.retired.add(this.fd.fd);
      else closeSync(this.fd.fd);
    }
    ensureDir(this.dir); // only when (re)opening: not a syscall per record
    const fd = openSync(this.path, APPEND, 0o600);
    this.fd = { fd, ino: fstatSync(fd).ino };
    return fd;
  }

  /**
   * Renames the full file to audit.jsonl.<UTC time>-<pid>. Two processes rotating at once can at
   * worst leave a small rotated file; rename is atomic, so no line is ever lost or split.
   */
  private rotateIfFull(adding: number, at: Date): number | undefined {
    const st = statSync(this.path, { throwIfNoEntry: false });
    const size = st?.size ?? 0;
    if (size === 0 || size + adding <= this.opts.maxBytes) return st?.ino;
    const stamp = at.toISOString().replace(/[-:]/g, "").replace(".", "");
    try {
      // Two rotations within one millisecond (fast appends) get -2, -3...: none overwrites another.
      const base = `${this.path}.${stamp}-${process.pid}`;
      let name = base;
      for (let n = 2; existsSync(name); n++) name = `${base}-${n}`;
      renameSync(this.path, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // rotated by another writer
    }
    return undefined; // a new file comes next
  }
}

function syncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}
