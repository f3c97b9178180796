import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { liveProcesses, uniqueSleep, waitGone } from "../../test/helpers/procs.ts";
import { auditLines, eventually, type TempSetup, tempSetup } from "../../test/tasks/helpers.ts";
import { TASK_ENV } from "../exec/reap-script.ts";
import { toRunResult } from "../exec/result.ts";
import { pruneExpired, sweepInterrupted } from "./housekeeping.ts";
import { processIdentity } from "./liveness.ts";
import { forgetOpenedTasks, openTasks } from "./open.ts";
import { ensureTasksDir, taskPaths } from "./paths.ts";
import { TaskStore } from "./store.ts";

let s: TempSetup;
beforeEach(() => {
  s = tempSetup();
});
afterEach(() => s.cleanup());

const rec = (id: string) => ({
  task_id: id,
  requester: "cli",
  command: `echo ${id}`,
  node: "n1",
  route_reason: "r",
  started_at: Date.now(),
});

async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

const done = (id: string) =>
  toRunResult(
    {
      exit_code: 0,
      signal: null,
      stdout: "",
      stderr: "",
      truncated: false,
      duration_ms: 5,
      timed_out: false,
      canceled: false,
    },
    { task_id: id, node: "n1", command: `echo ${id}` },
  );

describe("interrupted tasks", () => {
  test("rows whose runner is gone (dead, or its pid reused) become interrupted; live ones stay", async () => {
    const store = TaskStore.open(s.stateDir);
    const me = { pid: process.pid, identity: processIdentity(process.pid) ?? null };
    store.started(rec("alive"), me);
    store.started(rec("dead"), { pid: await deadPid(), identity: "whatever" });
    store.started(rec("reused"), { pid: process.pid, identity: "another-boot:123" });
    const paths = { stdout: "/dev/null", stderr: "/dev/null" };
    store.createQueued({ command: "true", requester: "cli", task_id: "fresh" }, paths);
    store.createQueued({ command: "true", requester: "cli", task_id: "orphan" }, paths);
    store.db.exec("UPDATE tasks SET created_at = created_at - 120000 WHERE id = 'orphan'");
    store.started(rec("ended"), { pid: await deadPid(), identity: null });
    store.finished(done("ended"), 0);

    forgetOpenedTasks(); // openTasks does the sweep, as every verb and server start does
    const tasks = openTasks(s.config);
    await tasks.ready;
    const state = (id: string) => tasks.store.get(id)?.state;
    expect(["alive", "dead", "reused", "fresh", "orphan", "ended"].map(state)).toEqual([
      "running",
      "interrupted",
      "interrupted",
      "queued",
      "interrupted",
      "succeeded",
    ]);
    expect(tasks.store.get("dead")).toMatchObject({ error_code: "TASK_INTERRUPTED" });
    const ends = auditLines(s.stateDir).filter((l) => l.event === "end");
    expect(ends.map((l) => l.task_id).sort()).toEqual(["dead", "orphan", "reused"]);
    // a second sweep finds nothing new and writes nothing twice
    expect(await sweepInterrupted(tasks)).toEqual([]);
    expect(auditLines(s.stateDir).length).toBe(3);
  });

  test("a dead runner's process group is killed before the task is marked, and the kill recorded; a reused group id is left alone", async () => {
    const mine = uniqueSleep();
    const other = uniqueSleep();
    const group = Bun.spawn(["sh", "-c", `sleep ${mine} & sleep ${mine}`], {
      detached: true,
      env: { ...process.env, [TASK_ENV]: "orphaned" },
    });
    const foreign = Bun.spawn(["sleep", other], { detached: true });
    try {
      await eventually(() => (liveProcesses(mine).length >= 2 ? true : undefined), 5000, "sleeps");
      const store = TaskStore.open(s.stateDir);
      const dead = { pid: await deadPid(), identity: null };
      store.started(rec("orphaned"), dead);
      store.setGroup("orphaned", { pgid: group.pid, node: null });
      store.started(rec("reused"), dead);
      store.setGroup("reused", { pgid: foreign.pid, node: null });
      store.started(rec("far"), dead);
      store.setGroup("far", { pgid: 4242, node: "n9" });

      forgetOpenedTasks();
      const tasks = openTasks(s.config); // the default killer: this machine's groups only
      await tasks.ready;
      expect(await waitGone(mine)).toEqual([]);
      expect(tasks.store.get("orphaned")).toMatchObject({
        state: "interrupted",
        group_kill: `process group ${group.pid} on this machine was killed (TERM, then KILL after 2 s if still alive)`,
      });
      expect(tasks.store.get("orphaned")?.error_message).toEndWith(
        `; process group ${group.pid} on this machine was killed (TERM, then KILL after 2 s if still alive)`,
      );
      expect(liveProcesses(other)).toHaveLength(1);
      expect(tasks.store.get("reused")?.group_kill).toContain("was left alone");
      expect(tasks.store.get("far")?.group_kill).toBe(
        "process group 4242 on n9 was not killed: this process cannot reach nodes",
      );
    } finally {
      for (const p of [group, foreign]) {
        try {
          process.kill(-p.pid, "SIGKILL");
        } catch {}
      }
    }
  });
});

describe("retention", () => {
  test("finished tasks older than the retention go, with their files; others stay", async () => {
    const store = TaskStore.open(s.stateDir);
    ensureTasksDir(s.stateDir);
    for (const id of ["old", "recent", "oldrunning"]) {
      const p = taskPaths(s.stateDir, id);
      store.createQueued({ command: "true", requester: "cli", task_id: id }, p);
      for (const f of [p.stdout, p.stderr, p.runnerLog, `${p.stdout}.tail`]) writeFileSync(f, "x");
    }
    store.started(rec("oldrunning"), {
      pid: process.pid,
      identity: processIdentity(process.pid) ?? null,
    });
    store.finished(done("old"), 0, Date.now() - 8 * 86_400_000);
    store.finished(done("recent"), 0, Date.now() - 6 * 86_400_000);
    store.db.exec("UPDATE tasks SET created_at = 0 WHERE id = 'oldrunning'");

    expect(pruneExpired(store, s.stateDir, 7)).toBe(1);
    expect(store.get("old")).toBeUndefined();
    expect(store.get("recent")?.state).toBe("succeeded");
    expect(store.get("oldrunning")?.state).toBe("running");
    const old = taskPaths(s.stateDir, "old");
    for (const f of [old.stdout, old.stderr, old.runnerLog, `${old.stdout}.tail`])
      expect(existsSync(f)).toBe(false);
    expect(existsSync(taskPaths(s.stateDir, "recent").stdout)).toBe(true);
  });
});
