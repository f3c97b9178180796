import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { auditLines, type TempSetup, tempSetup } from "../../test/tasks/helpers.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { createRunsInFlight } from "../run/in-flight.ts";
import { createRunFn } from "../run/pipeline.ts";
import { openTasks, type Tasks } from "./open.ts";
import { ensureTasksDir, taskPaths } from "./paths.ts";
import type { RunRecorder } from "./request.ts";
import { runTask, type TaskRuntime } from "./runner.ts";

let s: TempSetup;
let tasks: Tasks;
beforeEach(() => {
  s = tempSetup({ CLUSTER_OUTPUT_LIMIT: "2048" });
  tasks = openTasks(s.config);
  ensureTasksDir(s.stateDir);
});
afterEach(() => s.cleanup());

const localRuntime =
  (calls: { n: number } = { n: 0 }) =>
  (recorder: RunRecorder): TaskRuntime => {
    calls.n++;
    return {
      run: createRunFn({
        config: s.config,
        decide: () => ({
          decision: "local",
          node: "here",
          reason: "test",
          candidates: [],
          requirements: [],
        }),
        executorFor: () => createLocalExecutor(),
        recorder,
        inFlight: createRunsInFlight(),
      }),
      close: async () => {},
    };
  };

function queue(command: string, id: string) {
  return tasks.store.createQueued(
    { command, requester: "cli", task_id: id, timeoutS: 20 },
    taskPaths(s.stateDir, id),
  );
}

describe("the task runner", () => {
  test("output goes to capped files, complete by the time the task shows finished", async () => {
    queue("seq 1 5000; echo bye >&2; exit 4", "big");
    // What the files hold at the moment the end is written to the store: the whole output.
    let atEnd = "";
    const finished = tasks.store.finished.bind(tasks.store);
    tasks.store.finished = (...args) => {
      atEnd = readFileSync(taskPaths(s.stateDir, "big").stdout, "utf8");
      return finished(...args);
    };
    const row = await runTask(tasks, "big", localRuntime(), new AbortController());
    expect(row).toMatchObject({ state: "failed", exit_code: 4, truncated: true, node: "here" });
    const out = readFileSync(row?.stdout_path as string, "utf8");
    expect(out.startsWith("1\n2\n3\n")).toBe(true);
    expect(out.endsWith("4999\n5000\n")).toBe(true);
    expect(out).toContain("bytes truncated by cluster-exec");
    expect(readFileSync(row?.stderr_path as string, "utf8")).toBe("bye\n");
    expect(atEnd).toBe(out);
    expect(auditLines(s.stateDir).map((l) => l.event)).toEqual(["start", "end"]);
  });

  test("a cancel requested before the runner claimed the task: canceled, nothing run", async () => {
    const flag = join(s.home, "ran");
    queue(`touch ${flag}`, "early");
    tasks.store.requestCancel("early");
    const row = await runTask(tasks, "early", localRuntime(), new AbortController());
    expect(row).toMatchObject({ state: "canceled", canceled: true });
    expect(existsSync(flag)).toBe(false); // the pipeline sent nothing anywhere
    expect(auditLines(s.stateDir).map((l) => [l.event, l.task_id])).toEqual([
      ["start", "early"],
      ["end", "early"],
    ]);
  });

  test("abort while running: the group is killed and the task ends canceled", async () => {
    queue("echo begin; sleep 30", "abort");
    const abort = new AbortController();
    const running = runTask(tasks, "abort", localRuntime(), abort);
    const deadline = performance.now() + 5000;
    const out = taskPaths(s.stateDir, "abort").stdout;
    while (
      !(existsSync(out) && readFileSync(out, "utf8") === "begin\n") &&
      performance.now() < deadline
    )
      await Bun.sleep(10);
    abort.abort();
    const row = await running;
    expect(row).toMatchObject({ state: "canceled", canceled: true });
    expect(readFileSync(row?.stdout_path as string, "utf8")).toBe("begin\n");
  });

  test("a task is run once: a second runner finds it taken", async () => {
    queue("echo once", "once");
    const calls = { n: 0 };
    await runTask(tasks, "once", localRuntime(calls), new AbortController());
    expect(
      await runTask(tasks, "once", localRuntime(calls), new AbortController()),
    ).toBeUndefined();
    expect(calls.n).toBe(1);
  });

  test("an output file that cannot be written (disk full) still ends the task as it ended", async () => {
    tasks.store.createQueued(
      { command: "echo lost; exit 3", requester: "cli", task_id: "full", timeoutS: 20 },
      { stdout: "/dev/full", stderr: taskPaths(s.stateDir, "full").stderr },
    );
    const row = await runTask(tasks, "full", localRuntime(), new AbortController());
    expect(row).toMatchObject({ state: "failed", exit_code: 3 });
    expect(auditLines(s.stateDir).map((l) => l.event)).toEqual(["start", "end"]);
  });

  test("a runtime that cannot be built still ends the task, as failed", async () => {
    queue("echo never", "broken");
    const row = await runTask(
      tasks,
      "broken",
      () => {
        throw new Error("no runtime today");
      },
      new AbortController(),
    );
    expect(row).toMatchObject({
      state: "failed",
      error_code: "INTERNAL",
      error_message: "no runtime today",
    });
    expect(auditLines(s.stateDir).map((l) => l.event)).toEqual(["start", "end"]);
  });
});
