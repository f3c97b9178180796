import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIT_FILE, AuditLog } from "./audit.ts";

const WRITER = join(import.meta.dir, "..", "..", "test", "tasks", "fixtures", "audit-writer.ts");
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "ce-audit-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every line of the log and its rotated files, parsed; throws on a line that is not whole JSON. */
function allRecords(dir: string): Record<string, unknown>[] {
  const files = readdirSync(dir).filter((f) => f.startsWith(AUDIT_FILE));
  return files.flatMap((f) => {
    const text = readFileSync(join(dir, f), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    return text
      .slice(0, -1)
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  });
}

describe("audit log", () => {
  test("one JSON line per record, with time, host and pid, file mode 0600", () => {
    const dir = tempDir();
    const log = new AuditLog(dir, { maxBytes: 1 << 20 });
    log.append({
      event: "start",
      task_id: "t1",
      requester: "cli",
      command: "echo 'a\nb'",
      node: "n1",
      route_reason: "named",
    });
    const [rec] = allRecords(dir);
    expect(rec).toMatchObject({
      event: "start",
      task_id: "t1",
      command: "echo 'a\nb'",
      pid: process.pid,
    });
    expect(Date.parse(rec?.time as string)).toBeGreaterThan(0);
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
  });

  test("rotation by size keeps the old files and loses no record", () => {
    const dir = tempDir();
    const log = new AuditLog(dir, { maxBytes: 4096 });
    for (let i = 0; i < 200; i++)
      log.append({
        event: "start",
        task_id: `t${i}`,
        requester: "cli",
        command: `echo ${i}`,
        node: "n1",
        route_reason: "r",
      });
    const files = readdirSync(dir).filter((f) => f.startsWith(AUDIT_FILE));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(4096);
    const ids = allRecords(dir).map((r) => r.task_id);
    expect(new Set(ids).size).toBe(200);
  });

  test("records appended together share fsyncs (group commit); each promise means on disk", async () => {
    const dir = tempDir();
    const trace = join(dir, "trace");
    const script = `import { AuditLog } from ${JSON.stringify(join(import.meta.dir, "audit.ts"))};
const log = new AuditLog(${JSON.stringify(join(dir, "log"))}, { maxBytes: 1 << 30 });
const rec = (i) => ({ event: "start", task_id: "t" + i, requester: "cli", command: "x", node: "n", route_reason: "r" });
await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(rec(i))));
process.stdout.write("durable\\n");`;
    const proc = Bun.spawn(
      ["strace", "-f", "-qq", "-e", "trace=fsync", "-o", trace, process.execPath, "-e", script],
      { stdout: "pipe", stderr: "pipe" },
    );
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out).toBe("durable\n");
    const fsyncs = (await Bun.file(trace).text())
      .split("\n")
      .filter((l) => /fsync\(\d+\)\s+= 0/.test(l));
    expect(fsyncs.length).toBeGreaterThanOrEqual(1);
    expect(fsyncs.length).toBeLessThan(100);
    expect(allRecords(join(dir, "log")).length).toBe(100);
  });

  test("several processes writing at once (with rotation) never interleave or lose lines", async () => {
    const dir = tempDir();
    const writers = 6;
    const each = 150;
    const procs = Array.from({ length: writers }, (_, w) =>
      Bun.spawn([process.execPath, WRITER, dir, `w${w}`, String(each), String(2_000_000)], {
        stdout: "ignore",
        stderr: "pipe",
      }),
    );
    const codes = await Promise.all(procs.map((p) => p.exited));
    const errors = await Promise.all(procs.map((p) => new Response(p.stderr).text()));
    expect(errors.join("")).toBe("");
    expect(codes).toEqual(Array(writers).fill(0));
    const recs = allRecords(dir); // JSON.parse of every line: a torn or mixed line would throw
    expect(recs.length).toBe(writers * each);
    const ids = new Set(recs.map((r) => r.task_id));
    expect(ids.size).toBe(writers * each);
    for (const r of recs) {
      const i = Number(String(r.task_id).split("-")[1]);
      expect((r.command as string).length).toBe(5 + ((i * 7919) % 40_000));
    }
    expect(readdirSync(dir).filter((f) => f.startsWith(`${AUDIT_FILE}.`)).length).toBeGreaterThan(
      1,
    );
  }, 60_000);
});
