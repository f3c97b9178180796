import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tailPath } from "../../tasks/output-file.ts";
import { auditTail, outputTail } from "./payloads.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-payloads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("auditTail", () => {
  test("the newest records first, at most maxLines; a half-written line is skipped", () => {
    const path = join(dir, "audit.jsonl");
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ event: "start", n: i }));
    writeFileSync(path, `${lines.join("\n")}\n{"event":"end","n":`);
    const tail = auditTail(path, 5);
    expect(tail.map((r) => r.n)).toEqual([29, 28, 27, 26, 25]);
  });

  test("a large log is read from its end only, starting at a whole line", () => {
    const path = join(dir, "big.jsonl");
    const pad = "x".repeat(1000);
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ n: i, pad }));
    writeFileSync(path, `${lines.join("\n")}\n`);
    const tail = auditTail(path, 100);
    expect(tail[0]?.n).toBe(199);
    expect(tail.length).toBeGreaterThan(20); // 32 KB of ~1 KB lines
    expect(tail.length).toBeLessThan(40);
    expect(tail.every((r, i) => r.n === 199 - i)).toBe(true);
  });

  test("long commands are cut; no log is no records", () => {
    const path = join(dir, "long.jsonl");
    writeFileSync(path, `${JSON.stringify({ event: "start", command: "y".repeat(5000) })}\n`);
    expect(String(auditTail(path)[0]?.command)).toHaveLength(500);
    expect(auditTail(join(dir, "missing.jsonl"))).toEqual([]);
  });
});

describe("outputTail", () => {
  test("the last bytes of the file and a running task's tail snapshot", () => {
    const path = join(dir, "t.stdout");
    writeFileSync(path, "head\n");
    writeFileSync(tailPath(path), "tail\n");
    expect(outputTail(path)).toBe("head\ntail\n");
    expect(outputTail(path, 7)).toBe("d\ntail\n");
    expect(outputTail(null)).toBe("");
  });

  test("a cut inside a character at the front does not show a replacement character", () => {
    const path = join(dir, "u.stdout");
    writeFileSync(path, "ééé"); // 6 bytes
    expect(outputTail(path, 5)).toBe("éé");
  });
});
