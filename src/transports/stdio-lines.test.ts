import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { wholeLines } from "./stdio-lines.ts";

async function chunksOf(writes: string[], maxLine = 1000): Promise<[string[], number[]]> {
  const input = new PassThrough();
  const dropped: number[] = [];
  const lines = wholeLines(input, maxLine, (n) => dropped.push(n));
  const got: string[] = [];
  lines.on("data", (c: Buffer) => got.push(c.toString()));
  const ended = new Promise((resolve) => lines.on("end", resolve));
  for (const w of writes) input.write(w);
  input.end();
  await ended;
  return [got, dropped];
}

describe("stdin as whole lines", () => {
  test("a line split over many chunks arrives as one; several in a chunk arrive one by one", async () => {
    expect(await chunksOf(['{"a":', "1", "}\n{", '"b":2}\n{"c":3}\n'])).toEqual([
      ['{"a":1}\n', '{"b":2}\n', '{"c":3}\n'],
      [],
    ]);
  });

  test("what is left without a newline at the end is handed on", async () => {
    expect(await chunksOf(["x\ny"])).toEqual([["x\n", "y"], []]);
  });

  test("a line over the bound is dropped whole and reported; the next one arrives", async () => {
    expect(await chunksOf(["ok\n", "a".repeat(8), "b".repeat(8), "c\nnext\n"], 10)).toEqual([
      ["ok\n", "next\n"],
      [18],
    ]);
    // Whole in one chunk, or ending in the chunk that brings the newline: dropped the same.
    expect(await chunksOf([`${"x".repeat(20)}\nok\n`], 10)).toEqual([["ok\n"], [21]]);
    expect(await chunksOf(["y".repeat(8), `${"y".repeat(8)}\n`], 10)).toEqual([[], [17]]);
  });
});
