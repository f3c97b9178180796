import { describe, expect, test } from "bun:test";
import { CappedOutput } from "./limits.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

describe("CappedOutput", () => {
  test("keeps everything under the limit, across chunks", () => {
    const c = new CappedOutput(16);
    for (const part of ["abc", "defgh", "ij"]) c.push(bytes(part));
    expect(c.text()).toBe("abcdefghij");
    expect(c.truncated).toBe(false);
    expect(c.total).toBe(10);
  });

  test("exactly at the limit is not truncated", () => {
    const c = new CappedOutput(10);
    c.push(bytes("0123456789"));
    expect(c.text()).toBe("0123456789");
    expect(c.truncated).toBe(false);
  });

  test("over the limit keeps head and tail with a marker naming the dropped bytes", () => {
    const c = new CappedOutput(10);
    c.push(bytes("HEAD-"));
    c.push(bytes("x".repeat(1000)));
    c.push(bytes("-TAIL"));
    expect(c.truncated).toBe(true);
    expect(c.total).toBe(1010);
    expect(c.text()).toBe("HEAD-\n[... 1000 bytes truncated by cluster-exec ...]\n-TAIL");
  });

  test("many small chunks give the same result as one big chunk", () => {
    const data = enc.encode(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(""));
    const whole = new CappedOutput(1024);
    whole.push(data);
    const pieces = new CappedOutput(1024);
    for (let i = 0; i < data.length; ) {
      const n = 1 + ((i * 7919) % 300); // irregular chunk sizes, some larger than the tail
      pieces.push(data.subarray(i, i + n));
      i += n;
    }
    expect(pieces.text()).toBe(whole.text());
    expect(whole.text().startsWith("line 0\nline 1\n")).toBe(true);
    expect(whole.text().endsWith("line 4999\n")).toBe(true);
  });

  test("memory is bounded by the limit however much arrives", () => {
    const c = new CappedOutput(4096);
    const chunk = new Uint8Array(65536).fill(65);
    for (let i = 0; i < 2000; i++) c.push(chunk); // 128 MiB through a 4 KiB cap
    expect(c.total).toBe(2000 * 65536);
    expect(c.text().length).toBeLessThan(4096 + 100);
  });

  test("a multi-byte character split by the cut is never mangled into garbage", () => {
    const c = new CappedOutput(8);
    c.push(bytes("ab€")); // € is 3 bytes: the head (4 bytes) ends inside it
    c.push(bytes("-".repeat(20)));
    c.push(bytes("é€z")); // tail of 4 bytes starts inside é or €
    const text = c.text();
    expect(text).not.toContain("\uFFFD");
    expect(text.startsWith("ab")).toBe(true);
    expect(text.endsWith("z")).toBe(true);
  });

  test("invalid UTF-8 (binary) is replaced, not thrown", () => {
    const c = new CappedOutput(64);
    c.push(new Uint8Array([0xff, 0xfe, 0x41]));
    expect(c.text()).toBe("\uFFFD\uFFFDA");
  });
});
