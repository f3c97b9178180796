// The task tools over a real MCP client (in-memory transport), with real detached runners.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpDeps } from "../../src/mcp/deps.ts";
import { createServer } from "../../src/mcp/server.ts";
import { createTaskApi } from "../../src/tasks/api.ts";
import { openTasks } from "../../src/tasks/open.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { auditLines, eventually, type TempSetup, tempSetup } from "./helpers.ts";

let s: TempSetup;
let client: Client;
const markers: string[] = [];

beforeAll(async () => {
  s = tempSetup();
  const deps: McpDeps = {
    run: async () => {
      throw new Error("foreground runs are not part of this test");
    },
    requester: "mcp-stdio",
    defaultConcurrency: () => 2,
    clusterStatus: async () => ({ local_node: null, nodes: {} }),
    tasks: createTaskApi(openTasks(s.config)),
  };
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createServer(deps).connect(a);
  client = new Client({ name: "task-test", version: "1" });
  await client.connect(b);
});

afterAll(async () => {
  await client?.close();
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  s?.cleanup();
});

const call = (name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const sc = (r: CallToolResult) => r.structuredContent as Record<string, unknown>;

async function background(command: string): Promise<string> {
  const r = await call("cluster_bash", { command, background: true });
  expect(r.isError).toBe(false);
  return sc(r).task_id as string;
}

describe("background tasks over MCP", () => {
  test("the task tools are listed, with annotations", async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ["task_status", "task_wait", "task_cancel", "task_output"])
      expect(byName[name]?.outputSchema).toBeDefined();
    expect(byName.task_status?.annotations?.readOnlyHint).toBe(true);
    expect(byName.task_cancel?.annotations?.destructiveHint).toBe(true);
  });

  test("background: true answers at once with {task_id, node, state}; task_wait returns the result", async () => {
    const started = performance.now();
    const r = await call("cluster_bash", {
      command: "echo from-task; echo to-err >&2; sleep 3; exit 3",
      background: true,
    });
    // Well before the command could have ended (3 s): the answer did not wait for it.
    expect(performance.now() - started).toBeLessThan(2500);
    expect(r.isError).toBe(false);
    const { task_id, node, state } = sc(r);
    expect(typeof task_id).toBe("string");
    expect(state).toBe("running");
    expect(node).toBe(s.config.nodes[Object.keys(s.config.nodes)[0] as string]?.name);
    const w = await call("task_wait", { task_id, timeout_seconds: 20 });
    expect(w.isError).toBe(true); // exit 3, as a run result would be
    expect(sc(w)).toMatchObject({
      task_id,
      state: "failed",
      exit_code: 3,
      stdout: "from-task\n",
      stderr: "to-err\n",
      requester: "mcp-stdio",
    });
    expect(text(w)).toContain("from-task");
    const st = await call("task_status", { task_id });
    expect(st.isError).toBe(false);
    expect(sc(st)).toMatchObject({ state: "failed", exit_code: 3 });
    expect(sc(st).stdout).toBeUndefined();
  });

  test("task_wait returns at its timeout with state running; offload_to background works too", async () => {
    const id = await background("sleep 2; echo late");
    const started = performance.now();
    const w = await call("task_wait", { task_id: id, timeout_seconds: 0.3 });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(w.isError).toBe(false);
    expect(sc(w).state).toBe("running");
    const node = Object.keys(s.config.nodes)[0] as string;
    const o = await call("offload_to", { command: "echo there", node_id: node, background: true });
    expect(sc(o).node).toBe(node);
    const done = await call("task_wait", { task_id: sc(o).task_id, timeout_seconds: 20 });
    expect(sc(done)).toMatchObject({ state: "succeeded", stdout: "there\n" });
    expect((await call("task_wait", { task_id: id, timeout_seconds: 20 })).isError).toBe(false);
  });

  test("task_output pages through the output with next_offset and eof", async () => {
    const id = await background("seq 1 40000");
    await call("task_wait", { task_id: id, timeout_seconds: 20 });
    let offset = 0;
    let all = "";
    let pages = 0;
    for (;;) {
      const r = await call("task_output", { task_id: id, offset, limit: 15_000 });
      expect(r.isError).toBeFalsy();
      const page = sc(r) as { chunk: string; next_offset: number; eof: boolean; size: number };
      all += page.chunk;
      offset = page.next_offset;
      pages++;
      if (page.eof) break;
      expect(pages).toBeLessThan(20);
    }
    const expected = `${Array.from({ length: 40000 }, (_, i) => i + 1).join("\n")}\n`;
    expect(all).toBe(expected);
    expect(pages).toBe(Math.ceil(Buffer.byteLength(expected) / 15_000));
    const err = await call("task_output", { task_id: id, stream: "stderr" });
    expect(sc(err)).toMatchObject({ chunk: "", eof: true, stream: "stderr" });
  });

  test("task_cancel kills the process group; the task ends canceled", async () => {
    const marker = uniqueSleep();
    markers.push(marker);
    const id = await background(`sleep ${marker} & sleep ${marker}`);
    const c = await call("task_cancel", { task_id: id });
    expect(c.isError).toBe(false);
    expect(sc(c)).toMatchObject({ state: "canceled", canceled: true });
    expect(await waitGone(marker)).toEqual([]);
    // The end record follows the start's fsync: it may land a moment after the row says canceled.
    const events = await eventually(() => {
      const mine = auditLines(s.stateDir).filter((l) => l.task_id === id);
      return mine.length === 2 ? mine : undefined;
    });
    expect(events.map((l) => [l.event, l.canceled])).toEqual([
      ["start", undefined],
      ["end", true],
    ]);
  });

  test("bad ids and bad arguments are isError results naming them", async () => {
    for (const tool of ["task_status", "task_wait", "task_cancel", "task_output"]) {
      const r = await call(tool, { task_id: "no-such-task" });
      expect([tool, r.isError]).toEqual([tool, true]);
      expect(text(r)).toContain('no task "no-such-task"');
    }
    const bad = await call("task_output", { task_id: "x", offset: -1 });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("offset");
    const wrongType = await call("task_status", { task_id: 42 });
    expect(wrongType.isError).toBe(true);
    expect(text(wrongType)).toContain("task_id");
  });
});
