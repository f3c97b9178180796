import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeStateDbs, openStateDb } from "./db.ts";
import { ensureDir } from "./dir.ts";

const base = mkdtempSync(join(tmpdir(), "ce-state-"));
afterAll(() => {
  closeStateDbs();
  rmSync(base, { recursive: true, force: true });
});

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

test("an existing state directory is tightened: directories 0700, files 0600", () => {
  const dir = join(base, "old-install");
  mkdirSync(join(dir, "tasks"), { recursive: true });
  writeFileSync(join(dir, "audit.jsonl"), "{}\n");
  writeFileSync(join(dir, "tasks", "t1.stdout"), "x");
  chmodSync(join(dir, "tasks", "t1.stdout"), 0o644);
  chmodSync(join(dir, "audit.jsonl"), 0o644);
  chmodSync(join(dir, "tasks"), 0o755);
  chmodSync(dir, 0o755);
  ensureDir(dir);
  expect([mode(dir), mode(join(dir, "tasks")), mode(join(dir, "audit.jsonl"))]).toEqual([
    "700",
    "700",
    "600",
  ]);
  expect(mode(join(dir, "tasks", "t1.stdout"))).toBe("600");
});

test("state.db and its WAL files are 0600 whatever the umask", () => {
  const dir = join(base, "fresh");
  const old = process.umask(0o022);
  try {
    const db = openStateDb(dir);
    db.exec("CREATE TABLE IF NOT EXISTS t (x)");
    db.exec("INSERT INTO t VALUES (1)");
  } finally {
    process.umask(old);
  }
  expect(mode(dir)).toBe("700");
  expect(mode(join(dir, "state.db"))).toBe("600");
  expect(mode(join(dir, "state.db-wal"))).toBe("600");
});
