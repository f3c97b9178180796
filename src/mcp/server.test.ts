import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { runLocal } from "../exec/local.ts";
import { notStartedOutcome, toRunResult } from "../exec/result.ts";
import { newTaskId } from "../exec/task-id.ts";
import type { RunFn, RunRequest } from "../tasks/request.ts";
import type { McpDeps } from "./deps.ts";
import { createServer } from "./server.ts";

const seen: RunRequest[] = [];
const run: RunFn = async (req, hooks = {}) => {
  seen.push(req);
  const ids = { task_id: newTaskId(), node: req.node ?? "local", command: req.command };
  // As the pipeline does: a deadline that passed before the start means never started, timed out.
  if (req.timeoutS !== undefined && req.timeoutS <= 0)
    return toRunResult({ ...notStartedOutcome(0), timed_out: true }, ids);
  const outcome = await runLocal(
    {
      command: req.command,
      cwd: req.cwd,
      timeoutMs: (req.timeoutS ?? 30) * 1000,
      outputLimit: 4096,
      killGraceMs: 500,
      onOutput: hooks.onOutput,
    },
    hooks.signal,
  );
  return toRunResult(outcome, {
    task_id: newTaskId(),
    node: req.node ?? "local",
    command: req.command,
    route: { reason: "test", candidates: [] },
  });
};
const deps: McpDeps = {
  run,
  requester: "mcp-stdio",
  defaultConcurrency: () => 4,
  clusterStatus: async () => ({
    local_node: "local",
    nodes: {
      local: {
        status: "healthy",
        cpu_percent: 1,
        memory_percent: 2,
        load_1m: 0.1,
        cores: 2,
        os: "linux",
        arch: "x86_64",
        capabilities: [],
        sandbox: "bwrap",
        sandbox_level: "off",
        address: null,
        resolved_via: null,
        sampled_at: null,
      },
    },
  }),
};

let client: Client;
beforeAll(async () => {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createServer(deps).connect(a);
  client = new Client({ name: "test", version: "1" });
  await client.connect(b);
});
afterAll(() => client.close());

const call = (name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

describe("MCP tools (in-memory transport, real SDK client)", () => {
  test("lists the origin's tools with schemas and annotations", async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual([
      "cluster_bash",
      "cluster_status",
      "offload_to",
      "parallel_execute",
    ]);
    expect(byName.cluster_status?.annotations?.readOnlyHint).toBe(true);
    expect(byName.cluster_bash?.annotations?.destructiveHint).toBe(true);
    expect(Object.keys(byName.cluster_bash?.inputSchema.properties ?? {}).sort()).toEqual(
      [
        "background",
        "command",
        "cwd",
        "requires_arch",
        "requires_capabilities",
        "requires_os",
        "sandbox",
        "timeout_seconds",
      ].sort(),
    );
    expect(byName.cluster_bash?.outputSchema).toBeDefined();
  });

  test("cluster_bash returns the one result shape as structuredContent and text", async () => {
    const r = await call("cluster_bash", { command: "echo hi; echo err >&2" });
    expect(r.isError).toBe(false);
    expect(r.structuredContent).toMatchObject({
      exit_code: 0,
      stdout: "hi\n",
      stderr: "err\n",
      timed_out: false,
    });
    expect((r.content[0] as { text: string }).text).toContain("exit 0");
  });

  test("a failing command is isError with its exit code", async () => {
    const r = await call("cluster_bash", { command: "exit 3" });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ exit_code: 3 });
  });

  test("a timeout is isError with timed_out", async () => {
    const r = await call("cluster_bash", { command: "sleep 30", timeout_seconds: 0.3 });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ timed_out: true, signal: "SIGTERM" });
  });

  test("requirements are passed on as given (the router resolves aliases)", async () => {
    await call("cluster_bash", {
      command: "true",
      requires_os: "darwin",
      requires_arch: "aarch64",
      requires_capabilities: ["docker"],
    });
    expect(seen.at(-1)?.requirements).toEqual({
      requires_os: "darwin",
      requires_arch: "aarch64",
      requires_capabilities: ["docker"],
    });
  });

  test("malformed arguments name the field and what was expected; the server lives on", async () => {
    const bad = await call("cluster_bash", { command: "true", requires_os: "windows" });
    expect(bad.isError).toBe(true);
    const text = (bad.content[0] as { text: string }).text;
    expect(text).toContain("requires_os");
    expect(text).toContain(`got "windows"`);
    expect(text).toContain('expected "linux" or "macos"');
    const missing = await call("offload_to", { command: "true" });
    expect(missing.isError).toBe(true);
    expect((missing.content[0] as { text: string }).text).toContain("node_id");
    const unknown = await call("cluster_bash", { command: "true", node_id: "n1" });
    expect(unknown.isError).toBe(true);
    const said = (unknown.content[0] as { text: string }).text;
    expect(said).toContain(`unknown parameter "node_id"`);
    expect(said).toContain("requires_os");
    const item = await call("parallel_execute", { commands: [{ command: "true", node: "n1" }] });
    expect((item.content[0] as { text: string }).text).toContain(`unknown parameter "node"`);
    const ok = await call("cluster_bash", { command: "echo still-alive" });
    expect(ok.structuredContent).toMatchObject({ stdout: "still-alive\n" });
  });

  test("a NUL byte in a command is a usage error naming its position, not a failed spawn", async () => {
    const r = await call("cluster_bash", { command: "echo a\u0000b" });
    expect(r.isError).toBe(true);
    const text = (r.content[0] as { text: string }).text;
    expect(text).toContain("command");
    expect(text).toContain("NUL byte at position 6");
  });

  test("offload_to runs on the named node", async () => {
    const r = await call("offload_to", { command: "true", node_id: "n2" });
    expect(seen.at(-1)?.node).toBe("n2");
    expect(r.structuredContent).toMatchObject({ node: "n2", exit_code: 0 });
  });

  test("parallel_execute: results in input order, one failure hides nothing", async () => {
    const r = await call("parallel_execute", {
      commands: ["sleep 0.2; echo a", { command: "echo b; exit 4", node_id: "n1" }, "echo c"],
      max_concurrency: 3,
    });
    expect(r.isError).toBe(true);
    const results = (r.structuredContent as { results: { stdout: string; exit_code: number }[] })
      .results;
    expect(results.map((x) => x.stdout)).toEqual(["a\n", "b\n", "c\n"]);
    expect(results.map((x) => x.exit_code)).toEqual([0, 4, 0]);
  });

  test("parallel_execute: timeout_seconds is a deadline for the batch", async () => {
    const started = performance.now();
    const r = await call("parallel_execute", {
      commands: ["sleep 30", "sleep 30", "echo quick"],
      max_concurrency: 1,
      timeout_seconds: 0.5,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    const results = (r.structuredContent as { results: { timed_out: boolean; stdout: string }[] })
      .results;
    expect(results.map((x) => x.timed_out)).toEqual([true, true, true]);
  });

  test("cluster_status returns the SPEC shape", async () => {
    const r = await call("cluster_status", {});
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      local_node: "local",
      nodes: { local: { status: "healthy" } },
    });
  });

  test("progress notifications carry the newest output lines", async () => {
    const messages: string[] = [];
    const r = (await client.callTool(
      {
        name: "cluster_bash",
        arguments: { command: "echo line-one; sleep 0.6; echo line-two; sleep 0.6" },
      },
      undefined,
      { onprogress: (p) => messages.push(p.message ?? "") },
    )) as CallToolResult;
    expect(r.isError).toBe(false);
    expect(messages.some((m) => m.includes("line-one"))).toBe(true);
    expect(messages.some((m) => m.includes("line-two"))).toBe(true);
  });

  test("a cancelled request kills the run", async () => {
    const marker = `sleep 77.${process.pid}`;
    const abort = new AbortController();
    const pending = client.callTool(
      { name: "cluster_bash", arguments: { command: `echo go; ${marker}` } },
      undefined,
      {
        signal: abort.signal,
        onprogress: () => abort.abort(),
      },
    );
    await expect(pending).rejects.toThrow();
    // the server's handler sees the abort and kills the group; wait for the process to go
    const gone = async () =>
      !(await Bun.$`pgrep -f ${marker}`.nothrow().quiet()).stdout.toString().trim();
    for (let i = 0; i < 100 && !(await gone()); i++) await Bun.sleep(20);
    expect(await gone()).toBe(true);
  });
});

describe("background runs", () => {
  const states = ["timed_out", "canceled", "interrupted", "failed", "succeeded", "running"];
  test("a task that already ended badly by the answer is isError; one running or succeeded is not", async () => {
    let next = 0;
    const tasks = {
      submit: async () => ({ task_id: `t${next}`, node: "n1", state: states[next++] as string }),
    } as unknown as NonNullable<McpDeps["tasks"]>;
    const [a, b] = InMemoryTransport.createLinkedPair();
    await createServer({ ...deps, tasks }).connect(a);
    const c = new Client({ name: "bg", version: "1" });
    await c.connect(b);
    const errors: (boolean | undefined)[] = [];
    for (const _ of states) {
      const r = (await c.callTool({
        name: "cluster_bash",
        arguments: { command: "sleep 1", background: true },
      })) as CallToolResult;
      errors.push(r.isError);
    }
    await c.close();
    expect(errors).toEqual([true, true, true, true, false, false]);
  });
});
