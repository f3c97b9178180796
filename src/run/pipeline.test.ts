import { describe, expect, test } from "bun:test";
import { fakeNode } from "../../test/fixtures/routing.ts";
import { loadConfig } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import type { RunResult } from "../exec/result.ts";
import type { RunRecorder } from "../tasks/request.ts";
import { createDecider } from "./decide.ts";
import { createRunsInFlight } from "./in-flight.ts";
import { createRunFn } from "./pipeline.ts";

const config = loadConfig({ env: { HOME: "/nonexistent-home-for-tests" } });
const local = Object.keys(config.nodes)[0] as string;

function setup() {
  const calls: string[] = [];
  const events: string[] = [];
  const executor: Executor = {
    async run(spec) {
      calls.push(spec.command);
      await spec.onOutput?.("stdout", new TextEncoder().encode("out\n"));
      return {
        exit_code: 0,
        signal: null,
        stdout: "out\n",
        stderr: "",
        truncated: false,
        duration_ms: 1,
        timed_out: false,
        canceled: false,
      };
    },
    close: async () => {},
  };
  const recorder: RunRecorder = {
    started: (r) => events.push(`start ${r.node}`),
    finished: (r: RunResult, m) => {
      events.push(`end ${r.error?.code ?? r.exit_code} ${m.bytes_out}`);
    },
  };
  const inFlight = createRunsInFlight();
  const views = [fakeNode({ name: local, local: true, sampled: false })];
  const decide = createDecider({ config, views: () => views });
  const run = createRunFn({ config, decide, executorFor: () => executor, recorder, inFlight });
  return { run, calls, events, inFlight };
}

describe("the run pipeline", () => {
  test("a run is decided, executed and recorded start and end, bytes counted", async () => {
    const { run, calls, events, inFlight } = setup();
    const r = await run({ command: "echo out", node: local, requester: "cli" });
    expect(r).toMatchObject({ node: local, exit_code: 0, stdout: "out\n" });
    expect(r.route.reason).toContain(local);
    expect(calls).toEqual(["echo out"]);
    expect(events).toEqual([`start ${local}`, "end 0 4"]);
    expect(inFlight.count(local)).toBe(0);
  });

  test("a refused command never reaches an executor, and its result names the rule", async () => {
    const { run, calls, events } = setup();
    const r = await run({ command: "rm -rf /", requester: "mcp-stdio" });
    expect(calls).toEqual([]);
    expect(r.error).toMatchObject({ code: "POLICY_DENIED", rule: "recursive-delete" });
    expect(events).toEqual(["start ", "end POLICY_DENIED 0"]);
  });

  test("the policy judges the command in the run's directory (CLI --cwd, MCP cwd)", async () => {
    const { run, calls } = setup();
    const r = await run({ command: "rm -rf *", cwd: "/", requester: "mcp-stdio" });
    expect(r.error).toMatchObject({ code: "POLICY_DENIED", rule: "recursive-delete" });
    expect(r.error?.message).toContain("everything in / (/*)");
    const ok = await run({ command: "rm -rf *", cwd: "/tmp/scratch", requester: "mcp-stdio" });
    expect(ok.error).toBeUndefined();
    expect(calls).toEqual(["rm -rf *"]);
  });

  test("without a cwd a remote run starts in the node's home: rm -rf ./* there is refused", () => {
    const views = [fakeNode({ name: "far", sampled: false })];
    const decide = createDecider({ config, views: () => views });
    const d = decide({ command: "rm -rf ./*", requester: "mcp-stdio" });
    expect(d).toMatchObject({ decision: "refused", rule: "recursive-delete" });
    expect(d.reason).toContain("~/*");
    expect(decide({ command: "rm -rf ./build", requester: "mcp-stdio" }).decision).not.toBe(
      "refused",
    );
  });

  test("protected_paths comes from the settings", () => {
    const env = {
      HOME: "/nonexistent-home-for-tests",
      CLUSTER_PROTECTED_PATHS: "@default,/data/*",
    };
    const withData = loadConfig({ env });
    const views = [fakeNode({ name: local, local: true, sampled: false })];
    const decide = createDecider({ config: withData, views: () => views });
    expect(decide({ command: "rm -rf /data/x", requester: "cli" })).toMatchObject({
      decision: "refused",
      rule: "recursive-delete",
    });
  });

  test("an unknown node is a recorded NODE_UNKNOWN result, not a throw", async () => {
    const { run, calls } = setup();
    const r = await run({ command: "true", node: "ghost", requester: "cli" });
    expect(calls).toEqual([]);
    expect(r.error?.code).toBe("NODE_UNKNOWN");
    expect(r.error?.message).toContain(local);
  });

  test("canceled before it started: nothing runs", async () => {
    const { run, calls, events } = setup();
    const abort = new AbortController();
    abort.abort();
    const r = await run(
      { command: "echo never", node: local, requester: "cli" },
      { signal: abort.signal },
    );
    expect(calls).toEqual([]);
    expect(r).toMatchObject({ canceled: true, exit_code: null });
    expect(r.error).toBeUndefined();
    expect(events.length).toBe(2);
  });

  test("a run whose deadline passed before it started is not started: timed out, recorded", async () => {
    const { run, calls, events } = setup();
    const r = await run({
      command: "echo late",
      node: local,
      timeoutS: -0.5,
      requester: "mcp-http",
    });
    expect(calls).toEqual([]);
    expect(r).toMatchObject({ timed_out: true, canceled: false, exit_code: null });
    expect(r.error?.code).toBe("DEADLINE_PASSED");
    expect(events).toEqual([`start ${local}`, "end DEADLINE_PASSED 0"]);
  });
});
