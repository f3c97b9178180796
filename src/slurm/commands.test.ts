import { describe, expect, test } from "bun:test";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeConfig } from "../config/load.ts";
import { POLL_MAX_BYTES, pollScript, sbatchLine, scancelLine, srunLine } from "./commands.ts";
import { parsePoll } from "./poll.ts";

const node: NodeConfig = {
  name: "hpc",
  kind: "slurm",
  host: "login",
  capabilities: [],
  specialties: [],
  user: "u",
  port: 22,
  partition: "batch",
  account: "proj",
  qos: "high",
  cpus_per_task: 4,
  sandbox: "off",
  writable: [],
};

describe("the command lines sent to the submit host", () => {
  test("srun: the job's flags, unbuffered, stdin closed, the command passed as one word", () => {
    const line = srunLine(node, "ce-t1", "echo 'a b' \"$HOME\"", 90_000);
    expect(line).toStartWith(
      "exec srun -u -Q --input=none --partition=batch --ntasks=1 --cpus-per-task=4 --time=3 --job-name=ce-t1 --account=proj --qos=high /bin/sh -c ",
    );
    expect(line).toEndWith(` cluster-exec 'echo '\\''a b'\\'' "$HOME"'`);
  });
  test("sbatch: output files in the job directory, the cwd checked first", () => {
    const line = sbatchLine(
      { ...node, time_limit: "1:00:00" },
      "ce-t2",
      "make",
      10_000,
      "/src dir",
    );
    expect(line).toContain(`[ -d '/src dir' ] || { echo @@nocwd; exit 3; }`);
    expect(line).toContain("--time=1:00:00");
    expect(line).toContain(`--chdir='/src dir'`);
    expect(line).toContain('--output="$d/ce-t2.out" --error="$d/ce-t2.err"');
  });
  test("scancel: by name before the id is known; TERM then KILL by id", () => {
    expect(scancelLine(null, "ce-t3")).toBe("scancel --name=ce-t3");
    expect(scancelLine("42", "ce-t3")).toBe(
      "scancel --signal=STOP 42 2>/dev/null && scancel --signal=TERM 42 2>/dev/null && scancel --signal=CONT 42 2>/dev/null || scancel 42",
    );
    expect(scancelLine("42", "ce-t3", "KILL")).toBe(
      "scancel --signal=KILL 42 2>/dev/null; scancel 42",
    );
    // A batch job's script is reached only with --full (on an srun job it reaches nothing).
    expect(scancelLine("42", "ce-t3", "TERM", true)).toBe(
      "scancel --signal=STOP --full 42 2>/dev/null && scancel --signal=TERM --full 42 2>/dev/null && scancel --signal=CONT --full 42 2>/dev/null || scancel 42",
    );
  });
});

describe("a poll run by a real sh (no Slurm on this PATH)", () => {
  // Only the tools the script's file part needs: scontrol and sacct are "not found" here.
  const dir = mkdtempSync(join(tmpdir(), "ce-poll-"));
  const bin = join(dir, "bin");
  Bun.spawnSync(["mkdir", bin]);
  for (const t of ["sh", "wc", "tail", "head", "cat"])
    symlinkSync(Bun.which(t) as string, join(bin, t));
  const run = (script: string) =>
    Bun.spawnSync([join(bin, "sh"), "-c", script], {
      env: { PATH: bin },
      stdout: "pipe",
      stderr: "pipe",
    }).stdout as Uint8Array;

  test("brings exactly the bytes past the offsets, binary and all, and no state", () => {
    const out = join(dir, "o");
    const err = join(dir, "e 1");
    writeFileSync(out, Buffer.from([0, 1, 2, 255, 10, 65, 66]));
    writeFileSync(err, "warning\n");
    const p = parsePoll(run(pollScript("7", [out, err], [3, 0])));
    expect([...p.stdout]).toEqual([255, 10, 65, 66]);
    expect(new TextDecoder().decode(p.stderr)).toBe("warning\n");
    expect(p.status).toBeUndefined();
    expect(p.forgotten).toBe(false);
    const none = parsePoll(run(pollScript("7", [out, join(dir, "missing")], [7, 0])));
    expect([none.stdout.length, none.stderr.length]).toEqual([0, 0]);
  });
  test("at most POLL_MAX_BYTES per stream per poll", () => {
    const big = join(dir, "big");
    writeFileSync(big, Buffer.alloc(POLL_MAX_BYTES + 10, 120));
    const p = parsePoll(run(pollScript("7", [big, big], [0, POLL_MAX_BYTES])));
    expect([p.stdout.length, p.stderr.length]).toEqual([POLL_MAX_BYTES, 10]);
  });
});
