import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CLI, cli, isolatedEnv } from "../helpers/cli.ts";
import { liveProcesses } from "../helpers/procs.ts";

describe("cluster-exec run", () => {
  test("streams both streams and exits with the command's code", async () => {
    const r = await cli(["run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
  });

  test("output arrives live, before the command ends", async () => {
    const proc = Bun.spawn(
      [process.execPath, CLI, "run", "--", "echo first; read -t 30 x < /dev/zero; sleep 30"],
      { env: isolatedEnv(), stdout: "pipe", stderr: "pipe" },
    );
    const reader = proc.stdout.getReader();
    const { value } = await reader.read(); // arrives while the command still sleeps
    expect(new TextDecoder().decode(value)).toBe("first\n");
    expect(proc.exitCode).toBeNull();
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
  });

  test("--json prints the one result shape", async () => {
    const r = await cli(["run", "--json", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result).sort()).toEqual(
      [
        "task_id",
        "node",
        "command",
        "exit_code",
        "signal",
        "stdout",
        "stderr",
        "truncated",
        "duration_ms",
        "timed_out",
        "canceled",
        "route",
      ].sort(),
    );
    expect(result).toMatchObject({
      command: "sh -c 'echo out; echo err >&2; exit 3'",
      exit_code: 3,
      signal: null,
      stdout: "out\n",
      stderr: "err\n",
      truncated: false,
      timed_out: false,
      canceled: false,
    });
    expect(typeof result.task_id).toBe("string");
    expect(result.route.reason).toBeString();
  });

  test("--timeout kills the whole process group and exits 124", async () => {
    const marker = `sleep 300.${process.pid}1`;
    const r = await cli(["run", "--timeout", "1", "--", "sh", "-c", `${marker} & ${marker}`]);
    expect(r.code).toBe(124);
    // Killed at the timeout, not when `sleep 300` ends. The bound leaves room for a loaded
    // machine's process start (3.7 s once in CI with two test files running at once).
    expect(r.ms).toBeLessThan(15_000);
    expect(r.stderr).toContain("timed out after 1s");
    expect(liveProcesses(marker)).toEqual([]);
  });

  test("Ctrl-C (SIGINT) cancels: group killed, exit 130", async () => {
    const marker = `sleep 300.${process.pid}2`;
    const proc = Bun.spawn(
      [process.execPath, CLI, "run", "--", `echo started; ${marker} & ${marker}`],
      {
        env: isolatedEnv(),
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const reader = proc.stdout.getReader();
    await reader.read(); // "started": the group exists
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(liveProcesses(marker)).toEqual([]);
  });

  test("a reader that goes away (| head -1) stops the run: exit 141, nothing left running", async () => {
    const marker = `sleep 300.${process.pid}4`;
    const run = `"${process.execPath}" "${CLI}" run -- 'while :; do echo x; sleep 0.01; done & ${marker}'`;
    const started = performance.now();
    const proc = Bun.spawn(["bash", "-c", `${run} | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`], {
      env: isolatedEnv(),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect(stdout).toBe("x\n");
    expect(stderr).toContain("rc=141");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(liveProcesses(marker)).toEqual([]);
  }, 20_000);

  test("a command killed by a signal exits 128+N and says so", async () => {
    const r = await cli(["run", "--", "kill -KILL $$"]);
    expect(r.code).toBe(137);
    expect(r.stderr).toContain("killed by SIGKILL");
  });

  test("background leftovers are not left running after the shell exits", async () => {
    const marker = `sleep 300.${process.pid}3`;
    const r = await cli(["run", "--", `${marker} & echo done`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("done\n");
    expect(liveProcesses(marker)).toEqual([]);
  });

  test("--cwd, environment pass-through, stdin closed", async () => {
    const env = { ...isolatedEnv(), CE_TEST_VALUE: "passed-through" };
    const r = await cli(
      ["run", "--cwd", "/tmp", "--", 'pwd; echo "$CE_TEST_VALUE"; cat; echo eof'],
      { env },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("/tmp\npassed-through\neof\n");
    const bad = await cli(["run", "--cwd", "/nonexistent-dir", "--", "true"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('cwd "/nonexistent-dir": no such directory');
  });

  test("a 1 GB flood: truncated result, peak RSS < 150 MB", async () => {
    const proc = Bun.spawn(
      [process.execPath, CLI, "run", "--json", "--", "head -c 1000000000 /dev/zero"],
      { env: isolatedEnv(), stdout: "pipe", stderr: "pipe" },
    );
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "latin1"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited between polls
      }
    }, 20);
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearInterval(poll);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.truncated).toBe(true);
    expect(result.stdout).toContain("[... 998951424 bytes truncated by cluster-exec ...]");
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(150 * 1024);
  });

  test("streaming a 200 MB flood delivers every byte, with flat memory", async () => {
    const proc = Bun.spawn([process.execPath, CLI, "run", "--", "head -c 200000000 /dev/zero"], {
      env: isolatedEnv(),
      stdout: "pipe",
      stderr: "pipe",
    });
    let bytes = 0;
    let peakKb = 0;
    for await (const chunk of proc.stdout) {
      bytes += chunk.length;
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "latin1"));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    }
    expect(await proc.exited).toBe(0);
    expect(bytes).toBe(200_000_000);
    expect(peakKb).toBeLessThan(150 * 1024);
  });

  test("usage errors exit 2 and say what was expected", async () => {
    const noCmd = await cli(["run"]);
    expect(noCmd.code).toBe(2);
    expect(noCmd.stderr).toContain("no command given");
    const badTimeout = await cli(["run", "--timeout", "soon", "--", "true"]);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout: got "soon", expected a number of seconds > 0');
    const badFlag = await cli(["run", "--frobnicate", "--", "true"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--frobnicate");
    const badVerb = await cli(["frobnicate"]);
    expect(badVerb.code).toBe(2);
    expect(badVerb.stderr).toContain('unknown verb "frobnicate"');
  });
});
