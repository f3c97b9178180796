import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { auditLines, type TempSetup, tempSetup } from "../../test/tasks/helpers.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { notStartedOutcome, toRunResult } from "../exec/result.ts";
import type { RouteDecision } from "../routing/types.ts";
import { createRunsInFlight } from "../run/in-flight.ts";
import { unknownNodeError } from "../run/nodes.ts";
import { createRunFn } from "../run/pipeline.ts";
import { openTasks } from "./open.ts";
import { auditEnd } from "./recorder.ts";
import type { RunRequest } from "./request.ts";

let s: TempSetup;
beforeEach(() => {
  s = tempSetup({ CLUSTER_KILL_GRACE: "0.2" });
});
afterEach(() => s.cleanup());

/** The real pipeline with a stand-in router: refuses mkfs, knows no node "ghost", no macOS node. */
function pipeline() {
  const tasks = openTasks(s.config);
  const decide = (req: RunRequest): RouteDecision => {
    if (req.node === "ghost") throw unknownNodeError("ghost", s.config);
    if (req.command.includes("mkfs"))
      return {
        decision: "refused",
        node: null,
        reason: "refused: mkfs formats a disk",
        rule: "mkfs",
        candidates: [],
        requirements: [],
      };
    if (req.requirements?.requires_os === "macos")
      return {
        decision: "no_node",
        node: null,
        reason: "no node has os macos",
        candidates: [],
        requirements: [],
      };
    return {
      decision: "local",
      node: "here",
      reason: "test route",
      candidates: [],
      requirements: [],
    };
  };
  const run = createRunFn({
    config: s.config,
    decide,
    executorFor: () => createLocalExecutor(),
    recorder: tasks.recorder,
    inFlight: createRunsInFlight(),
  });
  return { tasks, run };
}

describe("every run is recorded: task row + audit start and end", () => {
  test("succeeded, failed, timed out, refused, unknown node, no node, spawn failure", async () => {
    const { tasks, run } = pipeline();
    const req = (command: string, more: Partial<RunRequest> = {}): RunRequest => ({
      command,
      requester: "mcp-stdio",
      ...more,
    });
    const results = [
      await run(req("echo ok")),
      await run(req("echo bad >&2; exit 3")),
      await run(req("sleep 5", { timeoutS: 0.2 })),
      await run(req("mkfs.ext4 /dev/sdz")),
      await run(req("true", { node: "ghost" })),
      await run(req("true", { requirements: { requires_os: "macos" } })),
      await run(req("true", { cwd: "/no/such/dir" })),
    ];
    const states = results.map((r) => tasks.store.get(r.task_id)?.state);
    expect(states).toEqual([
      "succeeded",
      "failed",
      "timed_out",
      "failed",
      "failed",
      "failed",
      "failed",
    ]);
    const errors = results.map((r) => tasks.store.get(r.task_id)?.error_code ?? null);
    expect(errors).toEqual([
      null,
      null,
      null,
      "POLICY_DENIED",
      "NODE_UNKNOWN",
      "NO_NODE",
      "SPAWN_FAILED",
    ]);

    await tasks.recorder.settle?.(); // end records follow their starts to disk in the background
    const lines = auditLines(s.stateDir);
    for (const r of results) {
      const mine = lines.filter((l) => l.task_id === r.task_id);
      expect(mine.map((l) => l.event)).toEqual(["start", "end"]);
      expect(mine[0]).toMatchObject({ requester: "mcp-stdio", command: r.command });
      expect(mine[1]).toMatchObject({
        exit_code: r.exit_code,
        signal: r.signal,
        timed_out: r.timed_out,
        canceled: r.canceled,
        duration_ms: r.duration_ms,
      });
    }
    const ok = lines.find((l) => l.task_id === results[0]?.task_id && l.event === "end");
    expect(ok).toMatchObject({ state: "succeeded", bytes_out: 3, node: "here" });
    const refused = lines.find((l) => l.task_id === results[3]?.task_id && l.event === "end");
    expect(refused).toMatchObject({ state: "failed", error_code: "POLICY_DENIED" });
    expect(String(refused?.error)).toContain("mkfs");
    const row = tasks.store.get(results[1]?.task_id as string);
    expect(row).toMatchObject({
      requester: "mcp-stdio",
      exit_code: 3,
      node: "here",
      route_reason: "test route",
    });
    expect(row?.runner_pid).toBe(process.pid);
  });

  test("the refusing rule is kept when the result carries it", () => {
    const r = toRunResult(
      {
        exit_code: null,
        signal: null,
        stdout: "",
        stderr: "",
        truncated: false,
        duration_ms: 0,
        timed_out: false,
        canceled: false,
        error: { code: "POLICY_DENIED", message: "refused", rule: "rm-root" } as never,
      },
      { task_id: "t", node: "", command: "rm -rf /" },
    );
    expect(auditEnd(r, "cli", 0, "failed")).toMatchObject({
      error_code: "POLICY_DENIED",
      rule: "rm-root",
    });
  });

  test("a recorder failure never breaks the run", async () => {
    const { tasks, run } = pipeline();
    tasks.store.db.exec("DROP TABLE tasks"); // the store now fails on every write
    const r = await run({ command: "echo still-runs", requester: "cli" });
    expect(r.stdout).toBe("still-runs\n");
    expect(() => tasks.store.get(r.task_id)).toThrow(); // really broken, not silently fine
    await tasks.recorder.settle?.(); // the end record follows the row's write, whatever became of it
    const events = auditLines(s.stateDir).filter((l) => l.task_id === r.task_id);
    expect(events.map((l) => l.event)).toEqual(["start", "end"]); // the audit log still has it
  });
});

describe("every run keeps its output in the task store", () => {
  test("a foreground run's output is in its task files, capped like its result", async () => {
    s.cleanup();
    s = tempSetup({ CLUSTER_OUTPUT_LIMIT: "4096" });
    const { tasks, run } = pipeline();
    const r = await run({
      command: "seq 1 3000; echo oops >&2",
      requester: "mcp-stdio",
    });
    const row = tasks.store.get(r.task_id);
    expect(row?.stdout_path).toBeString();
    const stored = readFileSync(row?.stdout_path as string, "utf8");
    expect(stored).toBe(r.stdout);
    expect(stored.startsWith("1\n2\n")).toBe(true);
    expect(stored.endsWith("2999\n3000\n")).toBe(true);
    expect(readFileSync(row?.stderr_path as string, "utf8")).toBe("oops\n");
    expect(row?.output_bytes).toBe(Buffer.byteLength(stored) + 5);
  });

  test("a run that prints nothing leaves no file; readers see empty output", async () => {
    const { tasks, run } = pipeline();
    const r = await run({ command: "true", requester: "cli" });
    const row = tasks.store.get(r.task_id);
    expect(existsSync(row?.stdout_path as string)).toBe(false);
    expect(row?.output_bytes).toBe(0);
  });

  test("output_store_max_bytes: the oldest runs' output goes first, the newest is kept", async () => {
    s.cleanup();
    s = tempSetup({
      CLUSTER_OUTPUT_LIMIT: "1048576",
      CLUSTER_OUTPUT_STORE_MAX_BYTES: String(2 * 1024 * 1024),
    });
    const { tasks, run } = pipeline();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await run({ command: "head -c 900000 /dev/zero", requester: "cli" });
      ids.push(r.task_id);
    }
    const rows = ids.map((id) => tasks.store.get(id));
    expect(rows.map((r) => r?.output_pruned)).toEqual([true, true, false, false]);
    expect(rows.map((r) => existsSync(r?.stdout_path as string))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(rows[0]?.state).toBe("succeeded"); // the row stays
  });
});

describe("a process killed while a run ends", () => {
  test("the end record is written only once the row says how the run ended (the sweep never ends it twice)", async () => {
    const tasks = openTasks(s.config);
    const id = "mxorder0000001";
    tasks.recorder.started({
      task_id: id,
      requester: "cli",
      command: "true",
      node: "here",
      route_reason: "test",
      started_at: Date.now(),
    });
    await tasks.recorder.settle?.(); // the start record is on disk: only the row can hold the end back
    await tasks.store.flushed(); // and the row says "running" (its write waits for the next turn)
    // Another connection reads the database as a process that found this one dead would.
    const other = new Database(join(s.stateDir, "state.db"), { readonly: true });
    const rowState = () =>
      (other.query("SELECT state FROM tasks WHERE id = $id").get({ id }) as { state: string })
        .state;
    const ends = () => auditLines(s.stateDir).filter((l) => l.event === "end" && l.task_id === id);
    const result = toRunResult(
      { ...notStartedOutcome(1), exit_code: 0 },
      { task_id: id, node: "here", command: "true" },
    );
    const done = tasks.recorder.finished(result, { requester: "cli", bytes_out: 0 });
    // After every microtask, then every turn of the event loop, until the row is written: an end
    // record must never come first.
    const seen: string[] = [];
    for (let i = 0; rowState() === "running"; i++) {
      seen.push(`${ends().length}`);
      await (i < 100 ? null : new Promise((r) => setTimeout(r, 0)));
    }
    await done;
    await tasks.recorder.settle?.();
    expect(seen.every((n) => n === "0")).toBe(true);
    expect(rowState()).toBe("succeeded");
    expect(ends()).toHaveLength(1);
    other.close();
  });
});
