import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import type { JobRef } from "../exec/executor.ts";
import { adoptable, MAX_ADOPTIONS } from "./adopt.ts";
import { TaskStore } from "./store.ts";
import { SCHEMA } from "./task-row.ts";

const job: JobRef = {
  scheduler: "slurm",
  node: "hpc",
  partition: "debug",
  job_id: "42",
  stdout_path: "/home/u/.cluster-exec/slurm/ce-t1.out",
  stderr_path: "/home/u/.cluster-exec/slurm/ce-t1.err",
  state: "PENDING",
};

function queued(store: TaskStore, id = "t1") {
  store.createQueued(
    { command: "sleep 9", requester: "cli", task_id: id },
    { stdout: "/o", stderr: "/e" },
  );
  store.claim(id, { pid: 111, identity: "boot:1" });
  store.started(
    {
      task_id: id,
      requester: "cli",
      command: "sleep 9",
      node: "hpc",
      route_reason: "r",
      started_at: 1,
    },
    { pid: 111, identity: "boot:1" },
  );
}

describe("a task's batch job in the store", () => {
  test("a database from before batch jobs gets the column; old rows have no job", () => {
    const db = new Database(":memory:");
    db.exec(SCHEMA.replace(",\n  job TEXT", "").replace(/^CREATE INDEX.*$/gm, ""));
    db.query(
      "INSERT INTO tasks (id, command, requester, state, created_at) VALUES ('old', 'true', 'cli', 'succeeded', 1)",
    ).run();
    const store = new TaskStore(db);
    expect(store.get("old")?.job).toBeNull();
    queued(store);
    store.setJob("t1", job);
    expect(store.get("t1")?.job).toEqual(job);
  });

  test("adopting is compare-and-set on the old runner: one of two adopters wins", () => {
    const store = new TaskStore(new Database(":memory:"));
    queued(store);
    store.setJob("t1", job);
    const old = { pid: 111, identity: "boot:1" };
    expect(store.adopt("t1", old, { pid: 222, identity: "boot:2" })).toBe(true);
    expect(store.adopt("t1", old, { pid: 333, identity: "boot:3" })).toBe(false);
    expect(store.get("t1")).toMatchObject({ runner_pid: 222, runner_identity: "boot:2" });
  });

  test("only background tasks with a job are adoptable, and not forever", () => {
    const store = new TaskStore(new Database(":memory:"));
    queued(store);
    expect(adoptable(store.get("t1") as never)).toBe(false); // no job yet
    store.setJob("t1", job);
    expect(adoptable(store.get("t1") as never)).toBe(true);
    store.setJob("t1", { ...job, adoptions: MAX_ADOPTIONS });
    expect(adoptable(store.get("t1") as never)).toBe(false);
  });
});
