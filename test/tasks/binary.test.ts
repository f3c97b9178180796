// Background tasks from the compiled executable: its runner is the binary itself (no source tree).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, ROOT } from "../helpers/cli.ts";
import { liveProcesses } from "../helpers/procs.ts";
import { type TempSetup, tempSetup } from "./helpers.ts";

const outDir = mkdtempSync(join(tmpdir(), "ce-bin-"));
const bin = join(outDir, "cluster-exec");
let s: TempSetup;

beforeAll(async () => {
  s = tempSetup();
  const build = Bun.spawn(
    [
      process.execPath,
      "build",
      "src/cli.ts",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "--external",
      "cpu-features",
      "--external",
      "*.node",
      "--outfile",
      bin,
    ],
    { cwd: ROOT, stdout: "ignore", stderr: "pipe" },
  );
  const err = await new Response(build.stderr).text();
  if ((await build.exited) !== 0) throw new Error(`build failed:\n${err}`);
}, 120_000);

afterAll(() => {
  s?.cleanup();
  rmSync(outDir, { recursive: true, force: true });
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
