// The executor contract against the resident agent reached over SSH (one ssh2 exec channel to a
// real sshd node), plus what only the agent path promises: width beyond MaxSessions on one
// channel, no orphans when the connection is lost, per-command exec where no agent can start.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { configWithBinaries, installSourceAgent } from "../helpers/agent-binary.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { type Harness, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";
import { executorContract } from "./executor-contract.ts";

let cluster: TestCluster;
let harness: Harness;
let configPath: string;

beforeAll(async () => {
  cluster = await startCluster(2);
  configPath = configWithBinaries(cluster, { n1: installSourceAgent(cluster, "n1") });
  harness = startHarness({ ...cluster, configPath }, testEnv(cluster), { agents: true });
  const started = await harness.agent("n1");
  expect(started.agent?.state).toBe("up");
}, 90_000);

afterAll(async () => {
  await harness?.close();
  await cluster?.down();
}, 60_000);

executorContract("agent over ssh2", () => ({
  run: async (req) => {
    const a = await harness.run("n1", req);
    if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
    return a as RunAnswer;
  },
}));

/** A live (not zombie) process with this pid. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

const SPEC = { timeoutMs: 30_000, outputLimit: 4096, killGraceMs: 500 };

describe("agent over ssh2", () => {
  test("30 runs at once share the agent's one channel on one connection", async () => {
    const runs = Array.from({ length: 30 }, (_, i) =>
      harness.run("n1", { spec: { ...SPEC, command: `sleep 0.5; echo job ${i}; hostname` } }),
    );
    const answers = await Promise.all(runs);
    for (const [i, a] of answers.entries()) expect(a.outcome?.stdout).toBe(`job ${i}\nn1\n`);
    const stats = await harness.stats("n1");
    expect(stats.agent?.state).toBe("up");
    expect(stats.pool.open.n1).toBe(1);
  }, 60_000);

  test("a node without the binary runs each command as its own session, and says why", async () => {
    const a = await harness.run("n2", { spec: { ...SPEC, command: "hostname" } });
    expect(a.outcome?.stdout).toBe("n2\n");
    const started = await harness.agent("n2");
    expect(started.agent?.state).toBe("unavailable");
    expect(started.agent?.detail).toContain("no usable cluster-exec at ~/.local/bin/cluster-exec");
    expect(started.agent?.detail).toContain("per-command exec");
    const again = await harness.run("n2", { spec: { ...SPEC, command: "echo still" } });
    expect(again.outcome?.stdout).toBe("still\n");
  }, 60_000);

  test("a lost connection leaves nothing running: the agent kills its groups and exits", async () => {
    const own = startHarness({ ...cluster, configPath }, testEnv(cluster), { agents: true });
    try {
      const up = (await own.agent("n1")).agent;
      expect(up?.state).toBe("up");
      const agentPid = Number(/\(pid (\d+)\)/.exec(up?.detail ?? "")?.[1]);
      expect(agentPid).toBeGreaterThan(1);
      const a = uniqueSleep();
      const b = uniqueSleep();
      void own.run("n1", { spec: { ...SPEC, command: `sleep ${a}` } });
      void own.run("n1", {
        spec: { ...SPEC, command: `trap '' TERM; sh -c 'trap "" TERM; sleep ${b}'` },
      });
      const end = performance.now() + 20_000;
      while ((await waitGone(a, 0)).length === 0 || (await waitGone(b, 0)).length === 0) {
        if (performance.now() > end) throw new Error("the runs did not start");
        await Bun.sleep(50);
      }
      process.kill(own.pid, "SIGKILL"); // the controller dies: its connection goes with it
      expect(await waitGone(a, 15_000)).toEqual([]);
      expect(await waitGone(b, 15_000)).toEqual([]);
      const end2 = performance.now() + 15_000;
      while (alive(agentPid) && performance.now() < end2) await Bun.sleep(50);
      expect(alive(agentPid)).toBe(false);
    } finally {
      await own.close();
    }
  }, 60_000);
});
