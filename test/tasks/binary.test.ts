// Background tasks from the compiled executable: its runner is the binary itself (no source tree).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { buildLinuxBinary, cli } from "../helpers/cli.ts";
import { liveProcesses } from "../helpers/procs.ts";
import { type TempSetup, tempSetup } from "./helpers.ts";

let bin: string;
let s: TempSetup;

beforeAll(async () => {
  s = tempSetup();
  bin = await buildLinuxBinary();
}, 120_000);

afterAll(() => {
  s?.cleanup();
});

describe("compiled binary", () => {
  test("submit starts the binary itself as the runner; wait relays output and exit code", async () => {
    const sub = await cli(["submit", "--", "echo from-binary; sleep 0.5; exit 4"], {
      bin: [bin],
      env: s.env,
      cwd: tmpdir(), // away from the source tree: nothing may depend on it
    });
    expect(sub.stderr).toBe("");
    expect(sub.code).toBe(0);
    const id = sub.stdout.trim();
    const runner = liveProcesses(`__run-task ${id}`);
    expect(runner.length === 0 || runner[0]?.includes(`${bin} __run-task ${id}`)).toBe(true);
    const w = await cli(["wait", id], { bin: [bin], env: s.env, cwd: tmpdir() });
    expect([w.code, w.stdout, w.stderr]).toEqual([4, "from-binary\n", ""]);
  }, 30_000);
});
