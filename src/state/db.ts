// The state database (bun:sqlite, WAL) in the state directory. Each store creates its own tables.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { ensureDir, tighten } from "./dir.ts";

const open = new Map<string, Database>();

/** Opens (once per process) `state.db` in the state directory, creating the directory 0700. */
export function openStateDb(stateDir: string): Database {
  const path = join(stateDir, "state.db");
  let db = open.get(path);
  if (db) return db;
  ensureDir(stateDir);
  db = new Database(path, { create: true, strict: true });
  // busy_timeout first: switching to WAL takes a lock, and fifty processes may open at once.
  db.exec("PRAGMA busy_timeout = 5000");
  // Asking for WAL is answered "database is locked" at once, without the busy handler, while
  // another process holds the lock it needs (1 of 50 simultaneous `submit`s on a loaded machine).
  const conn = db;
  retryWhileLocked(() => conn.exec("PRAGMA journal_mode = WAL"), BUSY_MS);
  db.exec("PRAGMA synchronous = NORMAL");
  // SQLite creates its files with the process umask (often 0644): they hold every command line.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, 0);
  open.set(path, db);
  return db;
}

const BUSY_MS = 5000;

/** Runs `step` again after a short, growing pause while SQLite says the database is locked. */
function retryWhileLocked<T>(step: () => T, withinMs: number): T {
  const deadline = performance.now() + withinMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      return step();
    } catch (err) {
      if (!isLocked(err) || performance.now() + pause > deadline) throw err;
      Bun.sleepSync(pause + Math.random() * pause);
    }
  }
}

function isLocked(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

export function closeStateDbs(): void {
  for (const db of open.values()) db.close();
  open.clear();
}

/**
 * A write that only keeps a cache or history up to date (addresses, load samples): when it fails
 * (locked past busy_timeout, disk full, read-only) the caller carries on with what it has in
 * memory, and nothing escapes from a timer to take a long-running server down.
 */
export function bestEffortWrite(write: () => unknown): void {
  try {
    write();
  } catch {
    // the next write tries again
  }
}
