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
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  // SQLite creates its files with the process umask (often 0644): they hold every command line.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, 0);
  open.set(path, db);
  return db;
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
