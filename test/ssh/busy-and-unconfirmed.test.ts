// Two ways a remote run ends without its command's own answer, each with its own code: no SSH
// session became free within the command's timeout (NODE_BUSY, nothing sent), and a kill the node
// never confirmed while the connection stayed up (KILL_UNCONFIRMED, not CONNECTION_LOST).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { startHarness, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { eventually } from "../tasks/helpers.ts";

const T = 60_000;
let c: TestCluster;
const markers: string[] = [];
const stopped: number[] = [];

beforeAll(async () => {
  c = await startCluster(1);
}, T);

afterAll(async () => {
  for (const pid of stopped) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  await c?.down();
}, T);

const spec = (command: string, timeoutMs: number) => ({
  spec: { command, timeoutMs, outputLimit: 4096, killGraceMs: 200 },
});

describe("NODE_BUSY", () => {
  test(
    "the wait for a session ends at the command's timeout, nothing sent; a longer timeout waits its turn",
    async () => {
      // Two sessions on one connection: with more connections allowed, a third would open one.
      const h = startHarness(c, testEnv(c), { runSessions: 2, maxConnections: 1 });
      try {
        const m = uniqueSleep().replace(/^600/, "2");
        markers.push(m);
        const busy = [
          h.run("n1", spec(`sleep ${m}`, 10_000)),
          h.run("n1", spec(`sleep ${m}`, 10_000)),
        ];
        await eventually(
          () => (liveProcesses(m).length === 2 ? true : undefined),
          20_000,
          "sleeps",
        );
        const patient = h.run("n1", spec("echo patient", 10_000));
        const started = performance.now();
        const late = await h.run("n1", spec("echo late", 500));
        expect(performance.now() - started).toBeLessThan(2000);
        expect(late.outcome?.exit_code).toBeNull();
        expect(late.outcome?.stdout).toBe("");
        expect(late.outcome?.error?.code).toBe("NODE_BUSY");
        expect(late.outcome?.error?.message).toContain(
          "node n1 is busy: no SSH session became free",
        );
        expect(late.outcome?.error?.message).toContain("the command was not sent");
        expect((await patient).outcome).toMatchObject({ exit_code: 0, stdout: "patient\n" });
        for (const b of await Promise.all(busy)) expect(b.outcome?.exit_code).toBe(0);
      } finally {
        await h.close();
      }
    },
    T,
  );
});

describe("the timeout is a deadline from the call", () => {
  // Found by the soak (scripts/soak.ts): a `timeout_seconds: 2` run answered after 8 s, having
  // waited for a session of a busy connection and then got its whole timeout again.
  test(
    "a run that waited for its session gets only what is left of its timeout",
    async () => {
      const h = startHarness(c, testEnv(c), { runSessions: 1 });
      try {
        const blocker = uniqueSleep().replace(/^600\./, "1.5");
        const victim = uniqueSleep().replace(/^600/, "30");
        markers.push(blocker, victim);
        const busy = h.run("n1", spec(`sleep ${blocker}`, 10_000));
        await eventually(
          () => (liveProcesses(blocker).length === 1 ? true : undefined),
          20_000,
          "the blocking sleep",
        );
        const started = performance.now();
        const r = await h.run("n1", spec(`sleep ${victim}`, 3000));
        const ms = performance.now() - started;
        expect(r.outcome?.timed_out).toBe(true);
        expect(r.outcome?.error).toBeUndefined();
        // It ran (the blocker ended after ~1.5 s), and was stopped 3 s after the call, not 4.5 s.
        expect(ms).toBeGreaterThan(2900);
        expect(ms).toBeLessThan(3000 + 1000);
        expect(await waitGone(victim)).toEqual([]);
        expect((await busy).outcome?.exit_code).toBe(0);
      } finally {
        await h.close();
      }
    },
    T,
  );
});

describe("KILL_UNCONFIRMED", () => {
  test(
    "a kill the node never confirms, on a live connection, is not a lost connection",
    async () => {
      const h = startHarness(c, testEnv(c, { CLUSTER_SSH_TIMEOUT: "1" }));
      try {
        // A first run opens the connection's reaper (it checks every finished run's group).
        expect((await h.run("n1", spec("true", 5000))).outcome?.exit_code).toBe(0);
        const reaper = await eventually(() => findReaper(`${c.id}-n1`), 5000, "the reaper");
        process.kill(reaper, "SIGSTOP"); // the node stops answering kill requests
        stopped.push(reaper);
        const m = uniqueSleep();
        markers.push(m);
        const r = await h.run("n1", spec(`echo started; sleep ${m}`, 500));
        expect(r.outcome).toMatchObject({ timed_out: true, exit_code: null, stdout: "started\n" });
        expect(r.outcome?.error?.code).toBe("KILL_UNCONFIRMED");
        expect(r.outcome?.error?.message).toMatch(
          /^TERM, then KILL, were requested for process group \d+ on n1 after its timeout, but no confirmation came within \d+ s; the connection is alive\. The command's outcome is unknown and it may still be running\.$/,
        );
        // Indeed still running: nobody killed it.
        expect(liveProcesses(m).length).toBeGreaterThan(0);
        process.kill(reaper, "SIGKILL");
        for (const line of liveProcesses(m)) process.kill(Number(line.split(" ")[0]), "SIGKILL");
        expect(await waitGone(m)).toEqual([]);
      } finally {
        await h.close();
      }
    },
    T,
  );
});

/** The reaper shell of our connection: in the node's namespace, running the reaper loop. */
function findReaper(ns: string): number | undefined {
  const pids = Bun.spawnSync(["ip", "netns", "pids", ns]).stdout.toString().split("\n");
  for (const pid of pids.filter(Boolean)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("while read -r id pgid polls")) return Number(pid);
    } catch {}
  }
  return undefined;
}
