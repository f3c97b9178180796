import { describe, expect, test } from "bun:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cutStream, fitResult, type SizedItem, size, type Value, waterFill } from "./sizing.ts";

function run(id: string, stdout: string, stderr = "", extra: Record<string, unknown> = {}): Value {
  return {
    task_id: id,
    node: "n1",
    command: "some command",
    exit_code: 0,
    signal: null,
    stdout,
    stderr,
    truncated: false,
    duration_ms: 5,
    timed_out: false,
    canceled: false,
    route: {
      reason: "n1 is the healthy node with the most free capacity",
      candidates: [{ node: "n1", eligible: true, score: 2, note: "healthy" }],
    },
    ...extra,
  };
}

/** As the tools build it: the text block renders the same output as structuredContent. */
const single = ([v]: Value[]): CallToolResult => ({
  content: [{ type: "text", text: `${(v as Value).stdout}\n${(v as Value).stderr}` }],
  structuredContent: v as Value,
});
const batch = (values: Value[]): CallToolResult => ({
  content: [{ type: "text", text: values.map((v) => `${v.stdout}${v.stderr}`).join("\n") }],
  structuredContent: { results: values },
});
const lines = (n: number, tag = "line") =>
  Array.from({ length: n }, (_, i) => `${tag} ${i}\n`).join("");

describe("fitResult", () => {
  test("a result under the limit is returned as it is", () => {
    const v = run("a", "hello\n");
    const r = fitResult([{ value: v, failed: false }], { limit: 40_000, stored: true }, single);
    expect(r.structuredContent).toEqual(v);
  });

  test("1 MB of stdout: under the limit, head and tail kept, the marker names task_output", () => {
    const out = lines(100_000);
    const r = fitResult(
      [{ value: run("t1", out), failed: false, written: { stdout: out.length, stderr: 0 } }],
      { limit: 40_000, stored: true },
      single,
    );
    expect(size(r)).toBeLessThan(40_000);
    expect(size(r)).toBeGreaterThan(30_000); // the budget is used, not thrown away
    const v = r.structuredContent as Value & { more: { arguments: { offset: number } }[] };
    const text = v.stdout as string;
    expect(text.startsWith("line 0\nline 1\n")).toBe(true);
    expect(text.endsWith("line 99999\n")).toBe(true);
    const offset = v.more[0]?.arguments.offset as number;
    expect(text).toContain(
      `task_output {"task_id":"t1","stream":"stdout","offset":${offset}} pages them`,
    );
    // The head shown is exactly the first `offset` bytes of the stream.
    expect(text.slice(0, offset)).toBe(out.slice(0, offset));
    expect(v).toMatchObject({
      truncated: true,
      stdout_truncated: true,
      stderr_truncated: false,
      stdout_bytes: out.length,
      stderr_bytes: 0,
    });
    expect((r.content[0] as { text: string }).text).toContain(text);
  });

  test("a failed run: stderr is favoured", () => {
    const r = fitResult(
      [{ value: run("f", lines(50_000, "out"), lines(50_000, "err")), failed: true }],
      { limit: 10_000, stored: true },
      single,
    );
    expect(size(r)).toBeLessThan(10_000);
    const v = r.structuredContent as Value;
    expect((v.stderr as string).length).toBeGreaterThan(1.8 * (v.stdout as string).length);
  });

  test("a short stream leaves its share to the other", () => {
    const r = fitResult(
      [{ value: run("s", lines(50_000), "warning: x\n"), failed: false }],
      { limit: 10_000, stored: true },
      single,
    );
    expect((r.structuredContent as Value).stderr).toBe("warning: x\n");
    expect(size(r)).toBeGreaterThan(8_000);
  });

  test("a batch shares one budget; failing items get three times the share", () => {
    const items: SizedItem[] = Array.from({ length: 16 }, (_, i) => ({
      value: run(`b${i}`, lines(70_000)),
      failed: i < 2,
    }));
    const r = fitResult(items, { limit: 100_000, stored: true }, batch);
    expect(size(r)).toBeLessThan(100_000);
    const shown = (r.structuredContent as { results: Value[] }).results.map(
      (v) => (v.stdout as string).length,
    );
    expect(shown[0]).toBeGreaterThan(2.5 * (shown[5] as number));
    expect(new Set(shown.slice(2)).size).toBeLessThanOrEqual(2); // the rest alike
  });

  test("256 items with long commands and many candidates still fit: detail is compacted", () => {
    const many = Array.from({ length: 40 }, (_, k) => ({ node: `node-${k}`, eligible: true }));
    const items: SizedItem[] = Array.from({ length: 256 }, (_, i) => ({
      value: run(`c${i}`, lines(200), "", {
        command: `echo ${"x".repeat(2000)}`,
        route: { reason: "r".repeat(500), candidates: many },
      }),
      failed: false,
    }));
    const r = fitResult(items, { limit: 100_000, stored: true }, batch);
    expect(size(r)).toBeLessThan(100_000);
    const first = (r.structuredContent as { results: Value[] }).results[0] as Value;
    expect(first.route).toMatchObject({ candidates: [] });
    expect(first.task_id).toBe("c0");
  });

  test("without a task store the marker says the rest is not kept, and names no call", () => {
    const r = fitResult(
      [{ value: run("n", lines(20_000)), failed: false }],
      { limit: 5_000, stored: false },
      single,
    );
    const v = r.structuredContent as Value;
    expect(v.more).toBeUndefined();
    expect(v.stdout).toContain("bytes cut to fit this result ...]");
  });
});

describe("cutStream", () => {
  test("never splits a character made of two UTF-16 units; the offset counts UTF-8 bytes", () => {
    const text = "😀".repeat(100);
    const c = cutStream(text, 10, { taskId: "x", stream: "stdout", stored: true, bare: false });
    const head = c.text.split("\n[...")[0] as string;
    expect(head).toBe("😀".repeat(2));
    expect(c.offset).toBe(8);
    expect(c.text.endsWith("😀".repeat(2))).toBe(true);
  });
});

test("waterFill: max-min fair with weights, unused shares flow to the others", () => {
  expect(waterFill([10, 100, 100], [1, 1, 1], 90)).toEqual([10, 40, 40]);
  expect(waterFill([100, 100], [3, 1], 80)).toEqual([60, 20]);
  expect(waterFill([5, 5], [1, 1], 100)).toEqual([5, 5]);
});
