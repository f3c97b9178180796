// Tool results an agent can read, over the real `mcp` stdio server and the SDK's own stdio client:
// a 50 MB flood answers in under 40,000 characters (10,000 when it failed), 16 items of 1 MB in
// under 100,000, and task_output pages the stored head and tail back byte for byte.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CLI, cli, isolatedEnv } from "../helpers/cli.ts";

const T = 120_000;
/** `seq 1 7000000` prints 54,888,896 bytes. */
const FLOOD = "seq 1 7000000";
const LIMIT = 1_048_576;
const env = isolatedEnv();
const client = new Client({ name: "size-test", version: "1" });

beforeAll(async () => {
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp"],
      env,
      stderr: "ignore",
    }),
  );
});
afterAll(() => client.close());

/** The fields these tests read, of a run result, a task_output page or a batch. */
interface Shown {
  task_id: string;
  command: string;
  stdout: string;
  stderr: string;
  state?: string;
  stdout_truncated?: boolean;
  more?: { arguments: { task_id: string; stream: string; offset: number } }[];
  chunk: string;
  offset: number;
  next_offset: number;
  eof: boolean;
  results: Shown[];
}

const call = async (name: string, args: Record<string, unknown>) => {
  const r = (await client.callTool({ name, arguments: args }, undefined, {
    timeout: T,
  })) as CallToolResult;
  return { r, chars: JSON.stringify(r).length, s: r.structuredContent as unknown as Shown };
};

/** What the store keeps of `command`'s stdout: its first and last LIMIT/2 bytes, a marker between. */
function storedOf(command: string): Buffer {
  const bytes = (cmd: string) => Bun.spawnSync(["sh", "-c", cmd]).stdout as Buffer;
  const total = Number(bytes(`${command} | wc -c`).toString().trim());
  const head = bytes(`${command} | head -c ${LIMIT / 2}`);
  const tail = bytes(`${command} | tail -c ${LIMIT / 2}`);
  const marker = `\n[... ${total - LIMIT} bytes truncated by cluster-exec ...]\n`;
  return Buffer.concat([head, Buffer.from(marker), tail]);
}

/** Every page of a stream through task_output, until eof; each page's result checked for size. */
async function pageAll(taskId: string, stream: "stdout" | "stderr", limit?: number) {
  const parts: Buffer[] = [];
  let offset = 0;
  let pages = 0;
  for (;;) {
    const { r, chars, s } = await call("task_output", {
      task_id: taskId,
      stream,
      offset,
      ...(limit ? { limit } : {}),
    });
    expect(r.isError).toBeFalsy();
    expect(chars).toBeLessThan(40_000);
    parts.push(Buffer.from(s.chunk as string));
    expect(s.offset).toBe(offset);
    offset = s.next_offset as number;
    pages++;
    if (s.eof) break;
    if (pages > 2000) throw new Error("task_output never reached eof");
  }
  return { bytes: Buffer.concat(parts), pages };
}

describe("agent-sized MCP results (stdio, the SDK's client)", () => {
  test(
    "a 50 MB flood answers under 40,000 characters, says it was cut and names task_output",
    async () => {
      const { r, chars, s } = await call("cluster_bash", { command: FLOOD });
      expect(r.isError).toBe(false);
      expect(chars).toBeLessThan(40_000);
      expect(s).toMatchObject({
        exit_code: 0,
        truncated: true,
        stdout_truncated: true,
        stdout_bytes: 54_888_896,
      });
      const more = s.more?.[0]?.arguments as { task_id: string; stream: string; offset: number };
      expect(more).toMatchObject({ task_id: s.task_id, stream: "stdout" });
      expect(s.stdout).toContain(`task_output ${JSON.stringify(more)}`);
      const text = (r.content[0] as { text: string }).text;
      expect(text).toContain(s.stdout); // the text block renders the same bounded output

      // Paging the store gives its head and tail byte for byte; the result's head is its prefix.
      const expected = storedOf(FLOOD);
      const { bytes, pages } = await pageAll(s.task_id, "stdout");
      expect(pages).toBeGreaterThan(10);
      expect(bytes.equals(expected)).toBe(true);
      expect(
        Buffer.from(s.stdout).subarray(0, more.offset).equals(expected.subarray(0, more.offset)),
      ).toBe(true);
      // From the offset the result names, the rest follows on exactly.
      const next = await call("task_output", { ...more, limit: 4096 });
      expect(
        Buffer.from(next.s.chunk).equals(expected.subarray(more.offset, more.offset + 4096)),
      ).toBe(true);

      // `cluster-exec logs ID` prints the same stored output for this foreground run.
      const logs = await cli(["logs", s.task_id], { env });
      expect(logs.code).toBe(0);
      expect(Buffer.from(logs.stdout).equals(expected)).toBe(true);
    },
    T,
  );

  test(
    "a failing flood answers under 10,000 characters, stderr first",
    async () => {
      const { r, chars, s } = await call("cluster_bash", {
        command: `echo start; ${FLOOD} >&2; exit 3`,
      });
      expect(r.isError).toBe(true);
      expect(chars).toBeLessThan(10_000);
      expect(s).toMatchObject({ exit_code: 3, stderr_truncated: true, stdout: "start\n" });
      expect((s.stderr as string).startsWith("1\n2\n3\n")).toBe(true);
      expect((s.stderr as string).endsWith("6999999\n7000000\n")).toBe(true);
    },
    T,
  );

  test(
    "parallel_execute: 16 items of 1 MB answer under 100,000 characters, in order, the connection intact",
    async () => {
      const commands = Array.from({ length: 16 }, (_, i) =>
        i === 3 ? "seq 1 150000; exit 1" : `echo item-${i}; seq 1 150000`,
      );
      const { r, chars, s } = await call("parallel_execute", { commands, max_concurrency: 4 });
      expect(chars).toBeLessThan(100_000);
      expect(r.isError).toBe(true);
      const results = s.results;
      expect(results.map((x) => x.command)).toEqual(commands);
      expect(results[0]?.stdout.startsWith("item-0\n1\n")).toBe(true);
      expect(results.every((x) => x.stdout_truncated === true && x.more?.length === 1)).toBe(true);
      // The failing item got the larger share.
      expect(results[3]?.stdout.length).toBeGreaterThan(2 * (results[5]?.stdout.length ?? 0));
      // Still connected: the next call works.
      expect((await call("cluster_status", {})).r.isError).toBeFalsy();
    },
    T,
  );

  test(
    "task_wait of a background flood is sized the same way",
    async () => {
      const started = await call("cluster_bash", { command: FLOOD, background: true });
      const { r, chars, s } = await call("task_wait", {
        task_id: started.s.task_id,
        timeout_seconds: 60,
      });
      expect(r.isError).toBe(false);
      expect(s.state).toBe("succeeded");
      expect(chars).toBeLessThan(40_000);
      expect(s.more?.[0]?.arguments).toMatchObject({
        task_id: started.s.task_id,
        stream: "stdout",
      });
    },
    T,
  );
});
