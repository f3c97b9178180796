// `cluster-exec run --node` against real sshd nodes: output, exit codes, signals, timeout and
// cancel of remote process trees, concurrency over one pooled connection, unknown nodes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, type Harness, inCtl, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

const T = 60_000;
let c: TestCluster;
let env: Record<string, string>;
let harness: Harness;

beforeAll(async () => {
  c = await startCluster(3);
  env = testEnv(c);
  harness = startHarness(c, env);
}, T);

afterAll(async () => {
  await harness?.close();
  await c?.down();
}, T);

describe("run --node", () => {
  test(
    "runs on the named node: hostname prints its name",
    async () => {
      for (const node of ["n2", "n3"]) {
        const r = await cli(c, ["run", "--node", node, "--", "hostname"], env);
        expect(r.stderr).toBe("");
        expect(r.stdout).toBe(`${node}\n`);
        expect(r.code).toBe(0);
      }
    },
    T,
  );

  test(
    "exits with the remote command's exit code",
    async () => {
      const r = await cli(c, ["run", "--node", "n2", "--", "sh", "-c", "echo out; exit 7"], env);
      expect(r.stdout).toBe("out\n");
      expect(r.code).toBe(7);
    },
    T,
  );

  test(
    "a signal-killed remote command reports the signal",
    async () => {
      const human = await cli(c, ["run", "--node", "n2", "--", "kill -TERM $$"], env);
      expect(human.code).toBe(128 + 15);
      expect(human.stderr).toContain("killed by SIGTERM on n2");
      const json = await cli(c, ["run", "--node", "n2", "--json", "--", "kill -KILL $$"], env);
      expect(json.code).toBe(128 + 9);
      expect(JSON.parse(json.stdout)).toMatchObject({
        node: "n2",
        exit_code: null,
        signal: "SIGKILL",
        timed_out: false,
      });
    },
    T,
  );

  test(
    "timeout kills the remote sleep tree: no process is left on the node",
    async () => {
      const s = uniqueSleep();
      const cmd = `echo started; sh -c 'sleep ${s} & sleep ${s} & wait' & sleep ${s}; echo never`;
      const r = await cli(c, ["run", "--node", "n3", "--timeout", "1", "--", cmd], env);
      expect(r.code).toBe(124);
      expect(r.stdout).toBe("started\n");
      expect(r.stderr).toContain("timed out after 1s on n3");
      expect(r.ms).toBeLessThan(10_000);
      expect(await waitGone(s)).toEqual([]);
    },
    T,
  );

  test(
    "cancel (SIGINT to the CLI) kills the remote sleep tree and exits 130",
    async () => {
      const s = uniqueSleep();
      const cmd = `sh -c 'sleep ${s} & wait' & echo ready; sleep ${s}`;
      const proc = inCtl(
        c,
        [process.execPath, CLI, "--config", c.configPath, "run", "--node", "n1", "--", cmd],
        env,
      );
      const reader = proc.stdout.getReader();
      let seen = "";
      while (!seen.includes("ready")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      expect(seen).toBe("ready\n");
      proc.kill("SIGINT");
      const code = await proc.exited;
      const stderr = await new Response(proc.stderr).text();
      expect(code).toBe(130);
      expect(stderr).toContain("canceled on n1");
      expect(await waitGone(s)).toEqual([]);
    },
    T,
  );

  test(
    "20 concurrent runs to one node all succeed; sessions in use open more connections, up to 4",
    async () => {
      const before = await harness.stats();
      const runs = Array.from({ length: 20 }, (_, i) =>
        harness.run("n2", {
          spec: {
            command: `sleep 0.3; echo job ${i}; hostname`,
            timeoutMs: 30_000,
            outputLimit: 4096,
            killGraceMs: 1000,
          },
        }),
      );
      const answers = await Promise.all(runs);
      answers.forEach((a, i) => {
        expect(a.thrown).toBeUndefined();
        expect(a.outcome?.error).toBeUndefined();
        expect(a.outcome?.exit_code).toBe(0);
        expect(a.outcome?.stdout).toBe(`job ${i}\nn2\n`);
      });
      const after = await harness.stats();
      // 20 at once, 5 per connection: more than one connection, never more than the setting.
      expect(after.pool.connects - before.pool.connects).toBeGreaterThan(1);
      expect(after.pool.connects - before.pool.connects).toBeLessThanOrEqual(4);
      expect(after.pool.open.n2).toBeLessThanOrEqual(4);
    },
    T,
  );

  test(
    "a slow reader still gets every piece of stderr written just before the exit",
    async () => {
      // ssh2 closes the channel once stdout has ended, while stderr, paused for the slow reader,
      // may still hold pieces: they must not be lost (sudo writes its messages that way).
      const cmd =
        "printf 'a ' >&2; sleep 0.02; printf 'b ' >&2; sleep 0.02; printf 'c' >&2; exit 3";
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          harness.run("n1", {
            spec: { command: cmd, timeoutMs: 30_000, outputLimit: 4096, killGraceMs: 1000 },
            slowReaderMs: 300,
          }),
        ),
      );
      for (const a of answers) {
        expect(a.outcome).toMatchObject({ exit_code: 3, stderr: "a b c" });
        expect(a.streamed?.stderr).toBe(5);
      }
    },
    T,
  );

  test(
    "with ssh_connections_per_node = 1, 20 concurrent runs all succeed over one connection (MaxSessions is 10)",
    async () => {
      const one = startHarness(c, env, { maxConnections: 1 });
      try {
        const runs = Array.from({ length: 20 }, (_, i) =>
          one.run("n1", {
            spec: {
              command: `sleep 0.3; echo job ${i}; hostname`,
              timeoutMs: 30_000,
              outputLimit: 4096,
              killGraceMs: 1000,
            },
          }),
        );
        const answers = await Promise.all(runs);
        for (const [i, a] of answers.entries()) expect(a.outcome?.stdout).toBe(`job ${i}\nn1\n`);
        const stats = await one.stats();
        expect(stats.pool.connects).toBe(1);
        expect(stats.pool.open.n1).toBe(1);
      } finally {
        await one.close();
      }
    },
    T,
  );

  test(
    "an idle connection is closed after the idle timeout; the next run opens a fresh one",
    async () => {
      const idle = startHarness(c, env, { idleTimeoutMs: 300 });
      try {
        const spec = {
          command: "hostname",
          timeoutMs: 10_000,
          outputLimit: 4096,
          killGraceMs: 500,
        };
        const first = await idle.run("n3", { spec });
        expect(first.outcome?.stdout).toBe("n3\n");
        expect((await idle.stats()).pool.open.n3).toBe(1);
        const end = performance.now() + 5000;
        while ((await idle.stats()).pool.open.n3 && performance.now() < end) await Bun.sleep(50);
        const closed = await idle.stats();
        expect(closed.pool.open.n3).toBeUndefined();
        const again = await idle.run("n3", { spec });
        expect(again.outcome?.stdout).toBe("n3\n");
        expect((await idle.stats()).pool.connects).toBe(closed.pool.connects + 1);
      } finally {
        await idle.close();
      }
    },
    T,
  );

  test(
    "an unknown node exits 2 naming it and listing the known nodes",
    async () => {
      const r = await cli(c, ["run", "--node", "n9", "--", "true"], env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain('unknown node "n9"');
      expect(r.stderr).toMatch(/known.*n1, n2, n3/);
    },
    T,
  );
});
