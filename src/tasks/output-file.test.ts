import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CappedOutput } from "../exec/limits.ts";
import { CappedFileWriter, tailPath } from "./output-file.ts";
import { readOutputPage, readOutputText } from "./output-read.ts";

const dirs: string[] = [];
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), "ce-out-"));
  dirs.push(d);
  return join(d, "t.stdout");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = new TextEncoder();

/** Feeds the same chunks to the file writer and to the in-memory cap of run results. */
function both(limit: number, chunks: Uint8Array[]): { file: string; memory: string; path: string } {
  const path = tempFile();
  const w = new CappedFileWriter(path, limit);
  const m = new CappedOutput(limit);
  for (const c of chunks) {
    w.push(c);
    m.push(c);
  }
  w.close();
  return { file: readFileSync(path, "utf8"), memory: m.text(), path };
}

describe("capped output file", () => {
  test("under the cap: the output exactly", () => {
    const { file } = both(1024, [enc.encode("hello\n"), enc.encode("world\n")]);
    expect(file).toBe("hello\nworld\n");
  });

  test("between half and the whole cap: nothing dropped, no marker", () => {
    const data = "a".repeat(700);
    const { file, memory } = both(1024, [enc.encode(data)]);
    expect(file).toBe(data);
    expect(memory).toBe(data);
  });

  test("over the cap: head, marker and tail, as the run result's cap has them", () => {
    const chunks = Array.from({ length: 500 }, (_, i) => enc.encode(`line ${i}\n`));
    const { file, memory } = both(1024, chunks);
    expect(file).toBe(memory);
    expect(file.startsWith("line 0\n")).toBe(true);
    expect(file.endsWith("line 499\n")).toBe(true);
    expect(file).toMatch(/\[\.\.\. \d+ bytes truncated by cluster-exec \.\.\.\]/);
    expect(Buffer.byteLength(file)).toBeLessThan(1024 + 64);
  });

  test("one huge chunk and multi-byte characters are cut on character boundaries", () => {
    const text = "é€😀".repeat(2000); // 2 + 3 + 4 bytes per group
    const { file } = both(1001, [enc.encode(text)]);
    expect(file).not.toContain("\uFFFD");
    const [head, tail] = file.split(/\n\[\.\.\. \d+ bytes truncated by cluster-exec \.\.\.\]\n/);
    expect(text.startsWith(head as string)).toBe(true);
    expect(text.endsWith(tail as string)).toBe(true);
  });

  test("a flood keeps memory flat and the file bounded", () => {
    const path = tempFile();
    const w = new CappedFileWriter(path, 64 * 1024);
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 3000; i++) w.push(chunk); // ~200 MB
    w.close();
    expect(process.memoryUsage().rss - before).toBeLessThan(24 * 1024 * 1024);
    expect(readFileSync(path).length).toBeLessThan(64 * 1024 + 100);
  });

  test("while running, readers see the head and a snapshot of the tail; paging rebuilds it all", async () => {
    const path = tempFile();
    const w = new CappedFileWriter(path, 2048);
    for (let i = 0; i < 400; i++) w.push(enc.encode(`row ${i}\n`));
    const deadline = performance.now() + 3000;
    while (!existsSync(tailPath(path)) && performance.now() < deadline) await Bun.sleep(20);
    const live = readOutputText(path);
    expect(live.startsWith("row 0\n")).toBe(true);
    expect(live.endsWith("row 399\n")).toBe(true);
    w.close();
    expect(existsSync(tailPath(path))).toBe(false);
    const whole = readOutputText(path);
    let offset = 0;
    let rebuilt = "";
    for (;;) {
      const page = readOutputPage(path, offset, 100);
      if (page.next_offset === offset) break;
      rebuilt += page.chunk;
      offset = page.next_offset;
    }
    expect(rebuilt).toBe(whole);
    expect(offset).toBe(Buffer.byteLength(whole));
  });

  test("pages never split a character", () => {
    const path = tempFile();
    const w = new CappedFileWriter(path, 1 << 20);
    w.push(enc.encode("😀".repeat(100)));
    w.close();
    const page = readOutputPage(path, 0, 10);
    expect(page.chunk).toBe("😀😀");
    expect(page.next_offset).toBe(8);
    expect(readOutputPage(path, 8, 6).chunk).toBe("😀");
  });
});
