// 200 MB of remote output through `run --node`: streamed completely, capped correctly in the
// result, and the CLI's memory stays flat (peak RSS read from /proc/PID/status while it runs).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, inCtl, testEnv } from "../helpers/ctl-harness.ts";

const T = 120_000;
const SIZE = 200_000_000;
const LIMIT = 1_048_576;
const RSS_LIMIT_KB = 150 * 1024;
let c: TestCluster;
let env: Record<string, string>;

beforeAll(async () => {
  c = await startCluster(1);
  env = testEnv(c, { CLUSTER_OUTPUT_LIMIT: String(LIMIT) });
}, T);

afterAll(async () => {
  await c?.down();
}, T);

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // exited
  }
}

/** Runs the CLI, draining stdout as it comes; samples the peak RSS until it exits. */
async function runWatched(args: string[]) {
  const proc = inCtl(c, [process.execPath, CLI, "--config", c.configPath, ...args], env);
  let peakKb = 0;
  const sampler = setInterval(() => {
    peakKb = Math.max(peakKb, vmHwmKb(proc.pid) ?? 0);
  }, 25);
  let bytes = 0;
  let tail = "";
  let json = "";
  const keepJson = args.includes("--json");
  const stderr = new Response(proc.stderr).text();
  for await (const chunk of proc.stdout) {
    bytes += chunk.length;
    if (keepJson) json += new TextDecoder().decode(chunk);
    else tail = (tail + new TextDecoder().decode(chunk.subarray(-64))).slice(-64);
  }
  const code = await proc.exited;
  clearInterval(sampler);
  return { code, bytes, tail, json, stderr: await stderr, peakKb };
}

describe("200 MB of remote output", () => {
  test(
    "streamed live: every byte arrives, memory stays flat",
    async () => {
      const r = await runWatched([
        "run",
        "--node",
        "n1",
        "--",
        `head -c ${SIZE} /dev/zero | tr '\\0' x; echo END`,
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.bytes).toBe(SIZE + 4);
      expect(r.tail.endsWith("xxEND\n")).toBe(true);
      expect(r.peakKb).toBeGreaterThan(0);
      expect(r.peakKb).toBeLessThan(RSS_LIMIT_KB);
      console.log(`streamed 200 MB: peak RSS ${Math.round(r.peakKb / 1024)} MB`);
    },
    T,
  );

  test(
    "as a result (--json): truncated to head + tail with the right count, memory flat",
    async () => {
      const r = await runWatched([
        "run",
        "--node",
        "n1",
        "--json",
        "--",
        `printf START; head -c ${SIZE} /dev/zero | tr '\\0' y; printf END`,
      ]);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.json) as {
        stdout: string;
        truncated: boolean;
        exit_code: number;
      };
      expect(result.exit_code).toBe(0);
      expect(result.truncated).toBe(true);
      const total = SIZE + "START".length + "END".length;
      const marker = `\n[... ${total - LIMIT} bytes truncated by cluster-exec ...]\n`;
      expect(result.stdout).toBe(
        `START${"y".repeat(LIMIT / 2 - 5)}${marker}${"y".repeat(LIMIT / 2 - 3)}END`,
      );
      expect(r.peakKb).toBeLessThan(RSS_LIMIT_KB);
      console.log(`capped 200 MB: peak RSS ${Math.round(r.peakKb / 1024)} MB`);
    },
    T,
  );
});
