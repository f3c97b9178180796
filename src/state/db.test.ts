import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStateDbs, openStateDb } from "./db.ts";

const dirs: string[] = [];
afterEach(() => {
  closeStateDbs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("opening waits out another process's lock instead of failing with 'database is locked'", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ce-db-"));
  dirs.push(dir);
  const path = join(dir, "state.db");
  // A database still in rollback mode with another process writing to it for a moment: the switch
  // to WAL reads, then needs the write lock, and SQLite refuses it at once instead of calling the
  // busy handler (it could deadlock) — what 50 processes opening a fresh state directory meet.
  const seed = new Database(path, { create: true });
  seed.exec("CREATE TABLE t (x)");
  seed.close();
  const holder = Bun.spawn(
    [
      process.execPath,
      "-e",
      `const { Database } = require("bun:sqlite");
       const db = new Database(${JSON.stringify(path)});
       db.exec("BEGIN IMMEDIATE"); db.exec("INSERT INTO t VALUES (1)");
       console.log("locked");
       setTimeout(() => { db.exec("COMMIT"); db.close(); }, 400);`,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = holder.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");
  const db = openStateDb(dir);
  expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
  expect(db.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 1 });
  expect(await holder.exited).toBe(0);
});
