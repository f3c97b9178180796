// The task verbs end to end: real CLI processes, real detached runners, local node (no SSH).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { cli } from "../helpers/cli.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { auditLines, eventually, type TempSetup, tempSetup } from "./helpers.ts";

const setups: TempSetup[] = [];
const setup = (extra: Record<string, string> = {}) => {
  const s = tempSetup({ CLUSTER_KILL_GRACE: "0.5", ...extra });
  setups.push(s);
  return s;
};
const leftovers: string[] = [];
afterAll(async () => {
  // Whatever a failed test left running: kill by pid, never by name.
  for (const marker of leftovers)
    for (const line of liveProcesses(marker)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  for (const s of setups) s.cleanup();
});

const status = async (s: TempSetup, id: string) => {
  const r = await cli(["status", "--json", id], { env: s.env });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe("submit / wait / status / logs", () => {
  test("submit prints the id at once for a 30 s command; wait prints its output and exits with its code", async () => {
    const s = setup();
    const r = await cli(["submit", "--", "echo out-line; echo err-line >&2; sleep 1; exit 7"], {
      env: s.env,
    });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{10,16}$/);
    const w = await cli(["wait", id], { env: s.env });
    expect(w.code).toBe(7);
    expect(w.stdout).toBe("out-line\n");
    expect(w.stderr).toBe("err-line\n");
    expect(await status(s, id)).toMatchObject({ state: "failed", exit_code: 7, requester: "cli" });
    const logs = await cli(["logs", id], { env: s.env });
    expect([logs.code, logs.stdout, logs.stderr]).toEqual([0, "out-line\n", "err-line\n"]);

    const marker = uniqueSleep();
    leftovers.push(marker);
    const long = await cli(["submit", "--", `sleep ${marker.replace("600", "30")}`], {
      env: s.env,
    });
    expect(long.code).toBe(0);
    expect(long.ms).toBeLessThan(1000);
    const id2 = long.stdout.trim();
    await eventually(async () => ((await status(s, id2)).state === "running" ? true : undefined));
    const c = await cli(["cancel", id2], { env: s.env });
    expect(c.code).toBe(0);
    expect(await waitGone(marker.replace("600", "30"))).toEqual([]);
  }, 30_000);

  test("cancel kills the whole process group; the task ends canceled and wait exits 130", async () => {
    const s = setup();
    const marker = uniqueSleep();
    leftovers.push(marker);
    const r = await cli(
      ["submit", "--", `echo started; sleep ${marker} & sleep ${marker}; echo never`],
      {
        env: s.env,
      },
    );
    const id = r.stdout.trim();
    const sleeps = () => liveProcesses(marker).filter((l) => l.split(" ")[2] === "sleep");
    await eventually(() => (sleeps().length === 2 ? true : undefined), 10_000, "both sleeps");
    const c = await cli(["cancel", id], { env: s.env });
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("canceled");
    expect(await waitGone(marker)).toEqual([]);
    expect(await status(s, id)).toMatchObject({ state: "canceled", canceled: true });
    const w = await cli(["wait", id], { env: s.env });
    expect(w.code).toBe(130);
    expect(w.stdout).toBe("started\n");
    const again = await cli(["cancel", id], { env: s.env });
    expect([again.code, again.stdout]).toEqual([
      0,
      `task ${id} had already ended: canceled (SIGTERM)\n`,
    ]);
  }, 30_000);

  test("SIGKILL of the runner, then any verb: the task is interrupted; wait exits 75", async () => {
    const s = setup();
    const marker = uniqueSleep();
    leftovers.push(marker);
    const id = (await cli(["submit", "--", `sleep ${marker}`], { env: s.env })).stdout.trim();
    const runner = await eventually(() => {
      const line = liveProcesses(`__run-task ${id}`)[0];
      return line && liveProcesses(marker).length > 0 ? Number(line.split(" ")[0]) : undefined;
    });
    process.kill(runner, "SIGKILL");
    await eventually(() => (liveProcesses(`__run-task ${id}`).length === 0 ? true : undefined));
    const list = await cli(["tasks", "--json"], { env: s.env });
    const row = (JSON.parse(list.stdout) as Record<string, unknown>[]).find(
      (t) => t.task_id === id,
    );
    expect(row).toMatchObject({ state: "interrupted", error: { code: "TASK_INTERRUPTED" } });
    const w = await cli(["wait", id], { env: s.env });
    expect(w.code).toBe(75);
    expect(w.stderr).toContain("interrupted");
    const ends = auditLines(s.stateDir)
      .filter((l) => l.task_id === id)
      .map((l) => [l.event, l.state]);
    expect(ends).toEqual([
      ["start", undefined],
      ["end", "interrupted"],
    ]);
    // The command itself was orphaned with its runner (a SIGKILL leaves no chance to clean up).
    for (const line of liveProcesses(marker)) process.kill(Number(line.split(" ")[0]), "SIGKILL");
  }, 30_000);

  test("wait --timeout on a running task exits 75 and says so; logs --follow streams to the end", async () => {
    const s = setup();
    const id = (
      await cli(["submit", "--", "for i in 1 2 3; do echo tick $i; sleep 0.4; done"], {
        env: s.env,
      })
    ).stdout.trim();
    const w = await cli(["wait", "--timeout", "0.2", id], { env: s.env });
    expect(w.code).toBe(75);
    expect(w.stderr).toContain("still");
    const f = await cli(["logs", "--follow", id], { env: s.env });
    expect(f.code).toBe(0);
    expect(f.stdout).toBe("tick 1\ntick 2\ntick 3\n");
    expect((await status(s, id)).state).toBe("succeeded");
  }, 30_000);

  test("routing flags, timeout and cwd are kept; bad input names the flag or the id", async () => {
    const s = setup();
    const t = (
      await cli(["submit", "--timeout", "0.3", "--", "sleep 5"], { env: s.env })
    ).stdout.trim();
    expect((await cli(["wait", t], { env: s.env })).code).toBe(124);
    const c = (await cli(["submit", "--cwd", "/tmp", "--", "pwd"], { env: s.env })).stdout.trim();
    expect((await cli(["wait", c], { env: s.env })).stdout).toBe("/tmp\n");
    const missing = (
      await cli(["submit", "--cwd", "/nope/x", "--", "pwd"], { env: s.env })
    ).stdout.trim();
    const m = await cli(["wait", missing], { env: s.env });
    expect(m.code).toBe(70);
    expect(m.stderr).toContain("SPAWN_FAILED");

    const unknown = await cli(["status", "nosuchtask"], { env: s.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no task "nosuchtask"');
    for (const verb of ["wait", "logs", "cancel"]) {
      const r = await cli([verb, "nosuchtask"], { env: s.env });
      expect([verb, r.code]).toEqual([verb, 2]);
      expect(r.stderr).toContain("nosuchtask");
    }
    const badOs = await cli(["submit", "--os", "windows", "--", "true"], { env: s.env });
    expect(badOs.code).toBe(2);
    expect(badOs.stderr).toContain('--os: got "windows"');
    const badNode = await cli(["submit", "--node", "ghost", "--", "true"], { env: s.env });
    expect(badNode.code).toBe(2);
    expect(badNode.stderr).toContain('unknown node "ghost"');
    const badState = await cli(["tasks", "--state", "done"], { env: s.env });
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('--state: got "done"');
  }, 30_000);
});

describe("foreground runs are tasks too", () => {
  test("`run`'s output is kept: logs ID prints it, capped like the result", async () => {
    const s = setup({ CLUSTER_OUTPUT_LIMIT: "2048" });
    const r = await cli(["run", "--json", "--", "seq 1 2000; echo warn >&2"], { env: s.env });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { task_id: string; stdout: string; stderr: string };
    const logs = await cli(["logs", result.task_id], { env: s.env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe(result.stdout);
    expect(logs.stdout).toContain("bytes truncated by cluster-exec");
    expect(logs.stdout.endsWith("1999\n2000\n")).toBe(true);
    expect(logs.stderr).toBe("warn\n");
  });
});

describe("load", () => {
  test("50 tasks submitted at once all complete; none lost, states and audit consistent", async () => {
    const s = setup();
    const n = 50;
    const subs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        cli(["submit", "--", `echo task-${i}; exit ${i % 3}`], { env: s.env }),
      ),
    );
    // A failed submit shows its code and what it said, not only a non-zero in a list of fifty.
    expect(subs.filter((r) => r.code !== 0).map((r) => `${r.code}: ${r.stderr}`)).toEqual([]);
    const ids = subs.map((r) => r.stdout.trim());
    expect(new Set(ids).size).toBe(n);
    // One poller, not fifty waits: the test is about the store under a burst, not about `wait`.
    const list = await eventually(
      async () => {
        const r = await cli(["tasks", "--limit", "100", "--json"], { env: s.env });
        const rows = JSON.parse(r.stdout) as {
          task_id: string;
          state: string;
          exit_code: number;
          stdout_path: string;
        }[];
        return rows.every((t) => t.state !== "queued" && t.state !== "running") ? rows : undefined;
      },
      90_000,
      "all 50 tasks to finish",
    );
    expect(list.length).toBe(n);
    const byId = new Map(list.map((t) => [t.task_id, t]));
    ids.forEach((id, i) => {
      const t = byId.get(id);
      expect([i, t?.state, t?.exit_code]).toEqual([i, i % 3 === 0 ? "succeeded" : "failed", i % 3]);
      expect(readFileSync(t?.stdout_path as string, "utf8")).toBe(`task-${i}\n`);
    });
    // Each runner writes its end record once its start is on disk, then exits.
    const audit = await eventually(() => {
      const lines = auditLines(s.stateDir);
      return ids.every((id) => lines.filter((l) => l.task_id === id).length === 2)
        ? lines
        : undefined;
    });
    for (const id of ids)
      expect(audit.filter((l) => l.task_id === id).map((l) => l.event)).toEqual(["start", "end"]);
    const runners = liveProcesses("__run-task").filter((l) => ids.some((id) => l.includes(id)));
    expect(runners).toEqual([]);
  }, 120_000);
});

test("a runner's log is empty when all went well, and its output files exist", async () => {
  const s = setup();
  const id = (await cli(["submit", "--", "echo hi"], { env: s.env })).stdout.trim();
  expect((await cli(["wait", id], { env: s.env })).code).toBe(0);
  const v = await status(s, id);
  expect(readFileSync(v.stdout_path as string, "utf8")).toBe("hi\n");
  expect(existsSync(`${v.stdout_path}`.replace(/\.stdout$/, ".runner.log"))).toBe(true);
  expect(readFileSync(`${v.stdout_path}`.replace(/\.stdout$/, ".runner.log"), "utf8")).toBe("");
});
