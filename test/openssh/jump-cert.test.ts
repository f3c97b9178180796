// The openssh transport on the netns cluster, driven by an ssh_config with Host aliases: a node
// reachable only through a jump host (ProxyJump) and a node that accepts only a user certificate
// are picked for openssh by `auto` (a plain node stays on ssh2); commands run there; timeout and
// cancel kill the remote group behind the jump; a changed host key behind the jump is refused;
// a lost master is CONNECTION_LOST with the command run once; no master outlives its process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StatusReport } from "../../src/cluster/report.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, type Harness, inCtl, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { eventually } from "../tasks/helpers.ts";

const T = 90_000;
let c: TestCluster;
let env: Record<string, string>;
let configPath: string;
let shared: string;

beforeAll(async () => {
  c = await startCluster(2);
  await c.script("add-jumped", "n3", "n1");
  await c.script("trust-ca", "n2");
  env = testEnv(c, { CLUSTER_SSH_RETRIES: "1" });
  configPath = join(c.dir, "openssh.toml");
  writeFileSync(
    configPath,
    [
      "[defaults]",
      `ssh_config = "${join(c.dir, "ssh_config")}"`,
      "",
      "[nodes.plain]", // what ssh2 can reach by itself: stays on ssh2
      'host = "n1.local"',
      'ip = "10.250.0.11"',
      'user = "cetest"',
      `identity_file = "${c.keyPath}"`,
      "",
      "[nodes.n2]", // only a certificate of the test CA gets in
      'host = "n2"',
      "",
      "[nodes.n3]", // only reachable through n1
      'host = "n3"',
      "",
    ].join("\n"),
  );
  shared = join(c.dir, "shared");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
}, T);

afterAll(async () => {
  await c?.down();
}, T);

const run = (args: string[], extra: Record<string, string> = {}) =>
  cli(c, args, { ...env, ...extra }, { configPath });

/** ControlMasters of the state directory alive (the socket is in their command line). */
function masters(state = env.CLUSTER_STATE_DIR as string): string[] {
  return liveProcesses(join(state, "cm")).filter((p) => p.includes("ControlMaster=yes"));
}

/** Masters still alive after a bounded wait (a stopped master exits a moment after `-O stop`). */
async function mastersLeft(): Promise<string[]> {
  const end = performance.now() + 3000;
  while (masters().length > 0 && performance.now() < end) await Bun.sleep(20);
  return masters();
}

async function fingerprintOf(node: string): Promise<string> {
  const pub = join(c.dir, "nodes", node, "ssh_host_ed25519_key.pub");
  const out = Bun.spawnSync(["ssh-keygen", "-lf", pub]).stdout.toString();
  const m = /SHA256:\S+/.exec(out);
  if (!m) throw new Error(`no fingerprint of ${pub}`);
  return m[0];
}

describe("openssh transport", () => {
  test(
    "auto: openssh for the jumped and the certificate node, ssh2 for the plain one; cluster-status shows which and why, sampled over it",
    async () => {
      // What is checked here is the transport, not the time: a loaded machine may need long.
      const r = await run(["cluster-status", "--json"], { CLUSTER_STATUS_TIMEOUT: "30" });
      expect(r.code).toBe(0);
      const nodes = (JSON.parse(r.stdout) as StatusReport).nodes;
      expect(nodes.plain).toMatchObject({ transport: "ssh2", method: "script" });
      expect(nodes.plain?.transport_reason).toContain("nothing ssh2 cannot honour");
      expect(nodes.n3).toMatchObject({
        transport: "openssh",
        address: "10.250.1.13 via n1",
        resolved_via: "ssh_config",
        method: "script",
      });
      expect(nodes.n3?.transport_reason).toContain("proxyjump n1");
      expect(nodes.n2).toMatchObject({ transport: "openssh", method: "script" });
      expect(nodes.n2?.transport_reason).toContain("certificatefile");
      for (const n of ["plain", "n2", "n3"]) expect(nodes[n]?.status).not.toBe("unreachable");
      const human = await run(["cluster-status"], { CLUSTER_STATUS_TIMEOUT: "30" });
      expect(human.stdout).toMatch(/^n3 +\S+ .* openssh +10\.250\.1\.13 via n1 \(ssh config\)/m);
      expect(human.stdout).toContain("transport of n3: openssh (auto: ssh -G n3 says proxyjump n1");
      expect(await mastersLeft()).toEqual([]);
    },
    T,
  );

  test(
    "commands run behind the jump and with the certificate; the certificate node refuses ssh2",
    async () => {
      for (const node of ["n2", "n3", "plain"]) {
        const r = await run(["run", "--node", node, "--", "hostname; echo err >&2; exit 3"]);
        expect(r.stdout).toBe(`${node === "plain" ? "n1" : node}\n`);
        expect(r.stderr).toBe("err\n");
        expect(r.code).toBe(3);
      }
      // The same node as ssh2 sees it: the right user and the plain key, but no certificate.
      const ssh2Config = join(c.dir, "n2-ssh2.toml");
      writeFileSync(
        ssh2Config,
        `[defaults]\ntransport = "ssh2"\nuser = "cetest"\nidentity_file = "${c.keyPath}"\n\n[nodes.n2]\nip = "10.250.0.12"\n`,
      );
      const viaSsh2 = await cli(c, ["run", "--node", "n2", "--", "hostname"], env, {
        configPath: ssh2Config,
      });
      expect(viaSsh2.code).toBe(69);
      expect(viaSsh2.stderr).toContain("AUTH_FAILED");
      expect(await mastersLeft()).toEqual([]);
    },
    T,
  );

  test(
    "timeout kills the remote process group behind the jump",
    async () => {
      const s = uniqueSleep();
      const cmd = `echo started; sh -c 'sleep ${s} & sleep ${s} & wait' & sleep ${s}; echo never`;
      const r = await run(["run", "--node", "n3", "--timeout", "2", "--", cmd]);
      expect(r.code).toBe(124);
      expect(r.stdout).toBe("started\n");
      expect(r.stderr).toContain("timed out after 2s on n3");
      expect(await waitGone(s)).toEqual([]);
    },
    T,
  );

  test(
    "cancel (SIGINT to the CLI) kills the remote process group behind the jump and exits 130",
    async () => {
      const s = uniqueSleep();
      const cmd = `sh -c 'sleep ${s} & wait' & echo ready; sleep ${s}`;
      const proc = inCtl(
        c,
        [process.execPath, CLI, "--config", configPath, "run", "--node", "n3", "--", cmd],
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
      expect(stderr).toContain("canceled on n3");
      expect(await waitGone(s)).toEqual([]);
      expect(await mastersLeft()).toEqual([]);
    },
    T,
  );

  test(
    "a background runner killed with SIGKILL: the sweep kills its group behind the jump (over ssh, not ssh2)",
    async () => {
      const s = uniqueSleep();
      const sub = await run(["submit", "--node", "n3", "--", `sleep ${s} & sleep ${s}`]);
      expect(sub.code).toBe(0);
      const id = sub.stdout.trim();
      const sleeps = () => liveProcesses(s).filter((l) => l.split(" ")[2] === "sleep");
      const status = async () =>
        JSON.parse((await run(["status", "--json", id])).stdout) as {
          state: string;
          process_group?: { pgid: number; node: string | null; kill?: string };
        };
      // Both sleeps run and the row holds their group (recorded before the command starts).
      await eventually(async () =>
        sleeps().length === 2 && (await status()).process_group ? true : undefined,
      );
      const runner = liveProcesses(`__run-task ${id}`);
      expect(runner).toHaveLength(1);
      process.kill(Number(runner[0]?.split(" ")[0]), "SIGKILL");
      await eventually(() => (liveProcesses(`__run-task ${id}`).length === 0 ? true : undefined));
      expect(sleeps()).toHaveLength(2); // closing its ssh killed nothing on n3
      // One sweep (this `status`): n3 is reachable only through n1, which ssh2 cannot do.
      const after = await status();
      expect(after.state).toBe("interrupted");
      expect(after.process_group?.kill).toMatch(/^process group \d+ on n3 was killed/);
      expect(await waitGone(s)).toEqual([]);
      // The killed runner's master lingers for ControlPersist (60 s) as ssh's own would; the sweep
      // used it and started none (one master, not two). Stopped here for the tests that follow.
      const left = masters();
      expect(left).toHaveLength(1);
      for (const m of left) process.kill(Number(m.split(" ")[0]), "SIGKILL");
      expect(await mastersLeft()).toEqual([]);
    },
    T,
  );

  test(
    "a changed host key behind the jump is refused with both fingerprints; forget-host lets the new key in",
    async () => {
      const marker = join(shared, `ran-${uniqueSleep()}`);
      const pinned = await run(["run", "--node", "n3", "--", "true"]);
      expect(pinned.code).toBe(0);
      const oldFp = await fingerprintOf("n3");
      const known = readFileSync(join(env.CLUSTER_STATE_DIR as string, "known_hosts"), "utf8");
      expect(known).toMatch(/^n3 ssh-ed25519 \S+$/m); // pinned by node name, plain lines

      expect(await mastersLeft()).toEqual([]); // else the next run would reuse a verified connection
      await c.script("rotate-hostkey", "n3");
      const newFp = await fingerprintOf("n3");
      const r = await run(["run", "--node", "n3", "--", `touch ${marker}`]);
      expect(r.code).toBe(69);
      expect(r.stderr).toContain("HOST_KEY_CHANGED");
      expect(r.stderr).toContain(`pinned ssh-ed25519 ${oldFp}`);
      expect(r.stderr).toContain(`now presented ssh-ed25519 ${newFp}`);
      expect(r.stderr).toContain("cluster-exec forget-host n3");
      expect(existsSync(marker)).toBe(false);

      const forget = await run(["forget-host", "n3"]);
      expect(forget.stdout).toContain(`forgot host key of n3: ssh-ed25519 ${oldFp}`);
      const ok = await run(["run", "--node", "n3", "--", `touch ${marker}`]);
      expect(ok.code).toBe(0);
      expect(existsSync(marker)).toBe(true);
    },
    T,
  );

  test(
    "sshd behind the jump stopped: UNREACHABLE after the retries, nothing sent; started: works again",
    async () => {
      expect(await mastersLeft()).toEqual([]);
      await c.script("stop-sshd", "n3");
      try {
        const down = await run(["run", "--node", "n3", "--", "echo ran"]);
        expect(down.code).toBe(69);
        expect(down.stdout).toBe("");
        expect(down.stderr).toContain("UNREACHABLE");
        expect(down.stderr).toContain("node n3 (ssh n3 → 10.250.1.13 via n1)");
        expect(down.stderr).toContain("2 attempts");
      } finally {
        await c.script("start-sshd", "n3");
      }
      const up = await run(["run", "--node", "n3", "--", "hostname"]);
      expect(up.stdout).toBe("n3\n");
    },
    T,
  );

  test(
    "the master lost mid-command: CONNECTION_LOST, the command ran once, the next run gets a new master",
    async () => {
      const harness: Harness = startHarness({ ...c, configPath }, env);
      const count = join(shared, `count-${uniqueSleep()}`);
      const s = uniqueSleep();
      try {
        const spec = (command: string) => ({
          spec: { command, timeoutMs: 30_000, outputLimit: 4096, killGraceMs: 500 },
        });
        const first = await harness.run("n3", spec("hostname"));
        expect(first.outcome?.stdout).toBe("n3\n");
        // Killed once the command runs and its process group has reached this side (the error
        // names it); the group line and the command's first write race otherwise.
        const group = join(shared, `group-${s}`);
        const lost = harness.run("n3", {
          ...spec(`echo run >> ${count}; sleep ${s}`),
          groupFile: group,
        });
        const end = performance.now() + 10_000;
        while (!(existsSync(count) && existsSync(group)) && performance.now() < end)
          await Bun.sleep(20);
        const [master] = masters();
        expect(master).toBeDefined();
        process.kill(Number(master?.split(" ")[0]), "SIGKILL");
        const a = await lost;
        expect(a.outcome?.error?.code).toBe("CONNECTION_LOST");
        expect(a.outcome?.error?.message).toMatch(/process group \d+ on n3/);
        expect(readFileSync(count, "utf8")).toBe("run\n"); // never re-sent
        const again = await harness.run("n3", spec("hostname"));
        expect(again.outcome?.stdout).toBe("n3\n");
        expect((await harness.stats()).openssh.masters).toBe(2);
      } finally {
        await harness.close();
        Bun.spawnSync(["pkill", "-KILL", "-f", s]); // the orphan kept running on the node
      }
      expect(await waitGone(s)).toEqual([]);
      expect(await mastersLeft()).toEqual([]); // the harness stopped the master it started
    },
    T,
  );
});
