// Proves scripts/test-cluster.sh builds a real SSH cluster: namespaces, per-node sshd with its own
// hostname and fake /proc files, listener stop/start, host key rotation, clean teardown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { startCluster, type TestCluster } from "./helpers/cluster.ts";

const T = 60_000;
let c: TestCluster;

function sshArgs(ip: string, command: string): string[] {
  return [
    "ssh",
    "-i",
    c.keyPath,
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=3",
    `cetest@${ip}`,
    command,
  ];
}

async function fingerprint(ip: string): Promise<string> {
  const scan = await c.ctl(["ssh-keyscan", "-t", "ed25519", ip], { timeoutMs: 10_000 });
  expect(scan.code).toBe(0);
  const fp = await c.ctl(["ssh-keygen", "-lf", "-"], { stdin: scan.stdout });
  expect(fp.code).toBe(0);
  const m = /SHA256:\S+/.exec(fp.stdout);
  expect(m).not.toBeNull();
  return m?.[0] ?? "";
}

async function pollUntil(what: string, cond: () => Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function procsMentioning(s: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(s)) out.push(`${pid} ${cmd}`);
    } catch {
      // process exited meanwhile
    }
  }
  return out;
}

describe("scripts/test-cluster.sh", () => {
  beforeAll(async () => {
    c = await startCluster(2);
  }, T);

  afterAll(async () => {
    await c?.down();
  }, T);

  test(
    "writes the config",
    () => {
      expect(c.nodes).toEqual(["n1", "n2"]);
      const cfg = readFileSync(c.configPath, "utf8");
      expect(cfg).toContain('user = "cetest"');
      expect(cfg).toContain(`identity_file = "${c.keyPath}"`);
      expect(cfg).toContain('[nodes.n2]\nhost = "n2.local"\nip = "10.250.0.12"');
      expect(cfg).toContain('capabilities = ["docker", "compilation"]');
      expect(cfg).not.toContain("[nodes.n3]");
    },
    T,
  );

  test(
    "ctl runs without this machine's CLUSTER_* settings (a developer's CLUSTER_SSH_USER would beat the file's user)",
    async () => {
      const saved = { ...process.env };
      process.env.CLUSTER_SSH_USER = "marc";
      process.env.AGENTIC_SYSTEM_PATH = "/home/marc/agentic";
      try {
        const r = await c.ctl(["sh", "-c", "env | grep -E '^(CLUSTER_|AGENTIC_)'"], {
          env: { CLUSTER_STATE_DIR: "/x" }, // what a test passes still goes through
        });
        // CLUSTER_NO_DAEMON=1 (test/setup.ts) is the suite's own: no test leaves a daemon behind.
        const seen = r.stdout.split("\n").filter((l) => l && l !== "CLUSTER_NO_DAEMON=1");
        expect(seen).toEqual(["CLUSTER_STATE_DIR=/x"]);
      } finally {
        for (const k of ["CLUSTER_SSH_USER", "AGENTIC_SYSTEM_PATH"])
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
      }
    },
    T,
  );

  test(
    "ssh from ctl reaches n2 with its hostname and faked load",
    async () => {
      await c.setLoad("n2", {
        load1: 7.25,
        load5: 3.5,
        memTotalKb: 8_000_000,
        memAvailKb: 2_000_000,
      });
      const r = await c.ctl(
        sshArgs("10.250.0.12", "hostname; cat /proc/loadavg; cat /proc/meminfo"),
        {
          timeoutMs: 15_000,
        },
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      expect(lines[0]).toBe("n2");
      expect(lines[1]).toBe("7.25 3.50 7.25 1/100 4242");
      expect(r.stdout).toMatch(/^MemTotal:\s+8000000 kB$/m);
      expect(r.stdout).toMatch(/^MemAvailable:\s+2000000 kB$/m);

      // n1 keeps its own view
      const r1 = await c.ctl(sshArgs("10.250.0.11", "hostname; cat /proc/loadavg"), {
        timeoutMs: 15_000,
      });
      expect(r1.code).toBe(0);
      expect(r1.stdout.split("\n")[0]).toBe("n1");
      expect(r1.stdout).not.toContain("7.25 3.50");
    },
    T,
  );

  test(
    "cpuBusyPercent makes /proc/stat deltas carry the wanted ratio",
    async () => {
      await c.setLoad("n1", { load1: 1, cpuBusyPercent: 30 });
      const read = async () => {
        const r = await c.ctl(sshArgs("10.250.0.11", "head -1 /proc/stat"), { timeoutMs: 15_000 });
        expect(r.code).toBe(0);
        const f = r.stdout.trim().split(/\s+/).slice(1).map(Number);
        const idle = (f[3] ?? 0) + (f[4] ?? 0);
        const total = f.reduce((a, b) => a + b, 0);
        return { idle, total };
      };
      const a = await read();
      let b = await read();
      await pollUntil("counters to advance", async () => {
        b = await read();
        return b.total > a.total;
      });
      const busy = 1 - (b.idle - a.idle) / (b.total - a.total);
      expect(busy).toBeCloseTo(0.3, 2);
    },
    T,
  );

  test(
    "stop-sshd refuses new connections, start-sshd restores them",
    async () => {
      await c.script("stop-sshd", "n2");
      const down = await c.ctl(sshArgs("10.250.0.12", "true"), { timeoutMs: 15_000 });
      expect(down.code).toBe(255);
      expect(down.stderr).toMatch(/refused/i);
      await c.script("start-sshd", "n2");
      const up = await c.ctl(sshArgs("10.250.0.12", "hostname"), { timeoutMs: 15_000 });
      expect(up.code).toBe(0);
      expect(up.stdout.trim()).toBe("n2");
    },
    T,
  );

  test(
    "kill-node kills every process of the node",
    async () => {
      const marker = `sleep 4${Math.floor(Math.random() * 1e6)}`;
      const session = c.ctl(sshArgs("10.250.0.11", `${marker}`), { timeoutMs: 30_000 });
      await pollUntil("remote sleep to start", async () => procsMentioning(marker).length > 0);
      await c.script("kill-node", "n1");
      const r = await session;
      expect(r.code).toBe(255);
      expect(procsMentioning(marker)).toEqual([]);
      const ns = await c.nodeExec("n1", ["true"]);
      expect(ns.code).toBe(0); // the namespace itself survives
      await c.script("start-sshd", "n1");
      const back = await c.ctl(sshArgs("10.250.0.11", "hostname"), { timeoutMs: 15_000 });
      expect(back.stdout.trim()).toBe("n1");
    },
    T,
  );

  test(
    "rotate-hostkey changes the fingerprint seen from ctl",
    async () => {
      const before = await fingerprint("10.250.0.11");
      await c.script("rotate-hostkey", "n1");
      const after = await fingerprint("10.250.0.11");
      expect(after).not.toBe(before);
      expect(await fingerprint("10.250.0.12")).not.toBe(after);
    },
    T,
  );

  test(
    "up is idempotent",
    async () => {
      const t0 = performance.now();
      await c.script("up", "2");
      expect(performance.now() - t0).toBeLessThan(3_000);
      const r = await c.ctl(sshArgs("10.250.0.12", "hostname"), { timeoutMs: 15_000 });
      expect(r.stdout.trim()).toBe("n2");
    },
    T,
  );

  test(
    "down leaves no namespace and no process behind",
    async () => {
      const marker = `sleep 3${Math.floor(Math.random() * 1e6)}`;
      const session = c.ctl(sshArgs("10.250.0.12", marker), { timeoutMs: 30_000 });
      await pollUntil("remote sleep to start", async () => procsMentioning(marker).length > 0);
      await c.down();
      expect((await session).code).not.toBe(0);
      expect(procsMentioning(marker)).toEqual([]);
      const list = Bun.spawnSync(["ip", "netns", "list"]).stdout.toString();
      const ours = list.split("\n").filter((l) => l.startsWith(`${c.id}-`));
      expect(ours).toEqual([]);
      expect(procsMentioning(c.dir)).toEqual([]);
      const mounts = readFileSync("/proc/self/mountinfo", "utf8");
      expect(mounts).not.toContain(c.dir);
      await c.down(); // idempotent
    },
    T,
  );
});
