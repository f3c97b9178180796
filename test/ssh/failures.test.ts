// Failures around the SSH connection, against real sshd nodes: node down, silent (half-open)
// connection, host key rotated, connection dropped mid-command, keys refused or missing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, type Harness, inCtl, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

const T = 60_000;
let c: TestCluster;
let env: Record<string, string>;
let harness: Harness;
/** Writable by the nodes' user (cetest), removed with the cluster. */
let shared: string;

// testEnv: CLUSTER_SSH_CONNECT_TIMEOUT 1 s, CLUSTER_SSH_TIMEOUT 3 s, CLUSTER_SSH_RETRIES 1.
const CONNECT_S = 1;
const HANDSHAKE_S = 3;
const ATTEMPTS = 2;
const BACKOFF_S = 0.25;
const KEEPALIVE_S = 5; // the pool's default keepalive interval

const spec = (command: string, timeoutMs = 30_000) => ({
  spec: { command, timeoutMs, outputLimit: 64 * 1024, killGraceMs: 1000 },
});

async function pollUntil(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

beforeAll(async () => {
  c = await startCluster(2);
  env = testEnv(c);
  harness = startHarness(c, env);
  shared = join(c.dir, "shared");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
}, T);

afterAll(async () => {
  await harness?.close();
  await c?.down();
}, T);

describe("ssh failures", () => {
  test(
    "sshd stopped: a clear UNREACHABLE error within connect timeout × attempts; restarted: works again",
    async () => {
      await c.script("stop-sshd", "n1");
      const down = await cli(c, ["run", "--node", "n1", "--", "echo ran"], env);
      expect(down.code).toBe(69);
      expect(down.stdout).toBe("");
      expect(down.stderr).toContain("UNREACHABLE");
      expect(down.stderr).toContain("node n1");
      expect(down.stderr).toContain("10.250.0.11:22");
      expect(down.stderr).toContain("2 attempts");
      expect(down.ms).toBeLessThan((ATTEMPTS * CONNECT_S + BACKOFF_S + 1.5) * 1000);
      await c.script("start-sshd", "n1");
      const up = await cli(c, ["run", "--node", "n1", "--", "hostname"], env);
      expect(up.stdout).toBe("n1\n");
      expect(up.code).toBe(0);
    },
    T,
  );

  test(
    "a pooled connection whose node died is replaced by a fresh one once the node is back",
    async () => {
      const first = await harness.run("n1", spec("hostname"));
      expect(first.outcome?.stdout).toBe("n1\n");
      const s0 = await harness.stats();
      expect(s0.pool.open.n1).toBe(1);
      await c.script("kill-node", "n1"); // listener and our session's sshd: the socket closes
      const dead = await harness.run("n1", spec("echo ran"));
      expect(dead.outcome?.error?.code).toBe("UNREACHABLE");
      expect(dead.outcome?.stdout).toBe("");
      expect(dead.ms ?? 0).toBeLessThan((ATTEMPTS * CONNECT_S + BACKOFF_S + 1.5) * 1000);
      await c.script("start-sshd", "n1");
      const again = await harness.run("n1", spec("hostname"));
      expect(again.outcome?.stdout).toBe("n1\n");
      const s1 = await harness.stats();
      expect(s1.pool.connects).toBe(s0.pool.connects + 1);
    },
    T,
  );

  test(
    "a silently dead (half-open) connection is detected, reported UNREACHABLE, and replaced",
    async () => {
      const first = await harness.run("n2", spec("hostname"));
      expect(first.outcome?.stdout).toBe("n2\n");
      const s0 = await harness.stats();
      await c.script("link-down", "n2"); // no FIN, no RST: the pooled connection just goes quiet
      try {
        const quiet = await harness.run("n2", spec("echo ran"));
        expect(quiet.outcome?.error?.code).toBe("UNREACHABLE");
        expect(quiet.outcome?.stdout).toBe("");
        // one channel open with no reply for max(handshake timeout, keepalive interval + 1 s),
        // then connects that time out
        const silence = Math.max(HANDSHAKE_S, KEEPALIVE_S + 1);
        const bound = silence + ATTEMPTS * CONNECT_S + BACKOFF_S + 1.5;
        expect(quiet.ms ?? 0).toBeLessThan(bound * 1000);
      } finally {
        await c.script("link-up", "n2");
      }
      const again = await harness.run("n2", spec("hostname"));
      expect(again.outcome?.stdout).toBe("n2\n");
      const s1 = await harness.stats();
      expect(s1.pool.connects).toBe(s0.pool.connects + 1);
    },
    T,
  );

  test(
    "a connection that goes silent mid-command is caught by keepalives: CONNECTION_LOST, bounded",
    async () => {
      const ka = startHarness(c, env, { keepaliveIntervalMs: 300, keepaliveCountMax: 2 });
      const started = join(shared, `started-${uniqueSleep()}`);
      const s = uniqueSleep();
      try {
        const run = ka.run("n2", spec(`echo go >> ${started}; sleep ${s}`, 60_000));
        await pollUntil("the command to start", () => existsSync(started));
        const t0 = performance.now();
        await c.script("link-down", "n2");
        const r = await run;
        const detectMs = performance.now() - t0;
        expect(r.outcome?.error?.code).toBe("CONNECTION_LOST");
        expect(r.outcome?.error?.message).toContain("outcome is unknown");
        expect(r.outcome?.timed_out).toBe(false);
        expect(detectMs).toBeLessThan(300 * 3 + 2000);
        expect(readFileSync(started, "utf8")).toBe("go\n");
      } finally {
        await c.script("link-up", "n2");
        await ka.close();
        Bun.spawnSync(["pkill", "-KILL", "-f", s]); // the orphan kept running on the node
      }
      expect(await waitGone(s)).toEqual([]);
    },
    T,
  );

  test(
    "host key rotated: refused with HOST_KEY_CHANGED, nothing ran; forget-host lets it through",
    async () => {
      const marker = join(shared, `ran-${uniqueSleep()}`);
      const pinned = await cli(c, ["run", "--node", "n2", "--", "true"], env);
      expect(pinned.code).toBe(0);
      const known = readFileSync(join(env.CLUSTER_STATE_DIR as string, "known_hosts"), "utf8");
      expect(known).toMatch(/^n2 ssh-ed25519 \S+$/m);

      await c.script("rotate-hostkey", "n2");
      const newFp = await keyscanFingerprint("10.250.0.12");
      const r = await cli(c, ["run", "--node", "n2", "--", `touch ${marker}`], env);
      expect(r.code).toBe(69);
      expect(r.stderr).toContain("HOST_KEY_CHANGED");
      expect(r.stderr).toContain("node n2");
      expect(r.stderr).toContain(newFp);
      expect(r.stderr).toMatch(/pinned ssh-ed25519 SHA256:\S+/);
      expect(r.stderr).toContain("cluster-exec forget-host n2");
      expect(existsSync(marker)).toBe(false);

      const forget = await cli(c, ["forget-host", "n2"], env);
      expect(forget.code).toBe(0);
      expect(forget.stdout).toContain("forgot host key of n2");
      const ok = await cli(c, ["run", "--node", "n2", "--", `touch ${marker}`], env);
      expect(ok.code).toBe(0);
      expect(existsSync(marker)).toBe(true);
      const repinned = readFileSync(join(env.CLUSTER_STATE_DIR as string, "known_hosts"), "utf8");
      expect(repinned).not.toBe(known);
    },
    T,
  );

  test(
    "connection dropped mid-command: CONNECTION_LOST (exit 75), and the command ran once",
    async () => {
      const count = join(shared, `count-${uniqueSleep()}`);
      const s = uniqueSleep();
      const proc = inCtl(
        c,
        [
          process.execPath,
          CLI,
          "--config",
          c.configPath,
          "run",
          "--node",
          "n1",
          "--",
          `echo run >> ${count}; sleep ${s}`,
        ],
        env,
      );
      await pollUntil("the command to start", () => existsSync(count));
      await c.script("kill-node", "n1");
      const code = await proc.exited;
      const stderr = await new Response(proc.stderr).text();
      expect(code).toBe(75);
      expect(stderr).toContain("CONNECTION_LOST");
      expect(stderr).toContain("outcome is unknown");
      expect(readFileSync(count, "utf8")).toBe("run\n");
      expect(await waitGone(s)).toEqual([]); // kill-node took the command down with sshd
      await c.script("start-sshd", "n1");
    },
    T,
  );

  test(
    "keys: a refused key and a missing key are AUTH_FAILED naming the node and what was tried",
    async () => {
      const wrongKey = join(c.dir, "wrong_ed25519");
      const gen = Bun.spawnSync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", wrongKey]);
      expect(gen.exitCode).toBe(0);
      const cfg = readFileSync(c.configPath, "utf8");
      const wrongCfg = join(c.dir, "wrong-key.toml");
      writeFileSync(
        wrongCfg,
        cfg.replace(/^identity_file = .*$/m, `identity_file = "${wrongKey}"`),
      );
      const missingCfg = join(c.dir, "missing-key.toml");
      writeFileSync(
        missingCfg,
        cfg.replace(/^identity_file = .*$/m, `identity_file = "${c.dir}/no-such-key"`),
      );
      const noAgent = { ...env, SSH_AUTH_SOCK: "" };

      const refused = await cli(c, ["run", "--node", "n1", "--", "true"], noAgent, {
        configPath: wrongCfg,
      });
      expect(refused.code).toBe(69);
      expect(refused.stderr).toContain("AUTH_FAILED");
      expect(refused.stderr).toContain("node n1");
      expect(refused.stderr).toContain(wrongKey);

      const missing = await cli(c, ["run", "--node", "n1", "--", "true"], noAgent, {
        configPath: missingCfg,
      });
      expect(missing.code).toBe(69);
      expect(missing.stderr).toContain("AUTH_FAILED");
      expect(missing.stderr).toContain("no usable SSH key for node n1");
      expect(missing.stderr).toContain(`${c.dir}/no-such-key (missing)`);
      expect(missing.stderr).toContain("SSH_AUTH_SOCK not set");
    },
    T,
  );
});

describe("sshd with a small MaxSessions", () => {
  test(
    "refused channel opens are retried, never failed; the reaper yields its slot at MaxSessions 1",
    async () => {
      const cfgPath = join(c.dir, "nodes", "n1", "sshd_config");
      const original = readFileSync(cfgPath, "utf8");
      const withMax = (n: number) => original.replace(/^MaxSessions \d+$/m, `MaxSessions ${n}`);
      const sized = async (n: number) => {
        writeFileSync(cfgPath, withMax(n));
        await c.script("stop-sshd", "n1");
        await c.script("start-sshd", "n1");
      };
      try {
        await sized(2);
        const h2 = startHarness(c, env);
        try {
          const runs = Array.from({ length: 12 }, (_, i) =>
            h2.run("n1", spec(`sleep 0.05; echo ${i}`)),
          );
          const answers = await Promise.all(runs);
          answers.forEach((a, i) => {
            expect(a.outcome?.error).toBeUndefined();
            expect(a.outcome?.stdout).toBe(`${i}\n`);
          });
        } finally {
          await h2.close();
        }
        await sized(1);
        const h1 = startHarness(c, env);
        try {
          for (let i = 0; i < 3; i++) {
            // each run ends with a leftover check through the reaper, which then holds the
            // only session: the next run must get it back
            const a = await h1.run("n1", spec(`echo ${i}`));
            expect(a.outcome?.error).toBeUndefined();
            expect(a.outcome?.stdout).toBe(`${i}\n`);
          }
        } finally {
          await h1.close();
        }
      } finally {
        writeFileSync(cfgPath, original);
        await c.script("stop-sshd", "n1");
        await c.script("start-sshd", "n1");
      }
    },
    T,
  );
});

describe("ssh-agent", () => {
  test(
    "without identity_file, the agent's key (SSH_AUTH_SOCK) is used; without it, AUTH_FAILED",
    async () => {
      const agentDir = join(c.dir, "agent");
      mkdirSync(agentDir);
      const sock = join(agentDir, "agent.sock");
      const agent = Bun.spawn(["ssh-agent", "-D", "-a", sock], {
        stdout: "ignore",
        stderr: "pipe",
      });
      try {
        await pollUntil("the agent socket", () => existsSync(sock));
        const add = Bun.spawnSync(["ssh-add", c.keyPath], { env: { SSH_AUTH_SOCK: sock } });
        expect(add.exitCode).toBe(0);
        const cfg = readFileSync(c.configPath, "utf8").replace(/^identity_file = .*\n/m, "");
        const agentCfg = join(c.dir, "agent.toml");
        writeFileSync(agentCfg, cfg);
        const home = join(c.dir, "empty-home"); // no ~/.ssh keys to fall back on
        mkdirSync(home);
        const viaAgent = await cli(
          c,
          ["run", "--node", "n2", "--", "hostname"],
          {
            ...env,
            HOME: home,
            SSH_AUTH_SOCK: sock,
          },
          { configPath: agentCfg },
        );
        expect(viaAgent.stderr).toBe("");
        expect(viaAgent.stdout).toBe("n2\n");
        const noAgent = await cli(
          c,
          ["run", "--node", "n2", "--", "hostname"],
          {
            ...env,
            HOME: home,
            SSH_AUTH_SOCK: "",
          },
          { configPath: agentCfg },
        );
        expect(noAgent.code).toBe(69);
        expect(noAgent.stderr).toContain("AUTH_FAILED");
        expect(noAgent.stderr).toContain(`${home}/.ssh/id_ed25519 (missing)`);
      } finally {
        agent.kill();
        await agent.exited;
      }
    },
    T,
  );
});

async function keyscanFingerprint(ip: string): Promise<string> {
  const scan = await c.ctl(["ssh-keyscan", "-t", "ed25519", ip], { timeoutMs: 10_000 });
  const fp = await c.ctl(["ssh-keygen", "-lf", "-"], { stdin: scan.stdout });
  const m = /SHA256:\S+/.exec(fp.stdout);
  if (!m) throw new Error(`no fingerprint from ssh-keyscan: ${scan.stderr}${fp.stderr}`);
  return m[0];
}
