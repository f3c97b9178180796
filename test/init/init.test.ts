// `init` on the netns cluster: probe three nodes given as user@address (ssh2) or as ssh_config
// aliases (openssh), write a commented config that passes `config check` and routes, pin each host
// key under its node name and print its fingerprint; report unreachable hosts and changed keys by
// name while the others are written; never overwrite without --force; --dry-run touches nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { cli, testEnv } from "../helpers/ctl-harness.ts";

const T = 180_000;
let c: TestCluster;
let n = 0;
const ADDR: Record<string, string> = { n1: "10.250.0.11", n2: "10.250.0.12", n3: "10.250.0.13" };

/** A fresh state directory (known hosts) per test. */
const env = (extra: Record<string, string> = {}) =>
  testEnv(c, { CLUSTER_STATE_DIR: join(c.dir, `init-state-${++n}`), ...extra });

function fingerprintOf(node: string): string {
  const out = Bun.spawnSync([
    "ssh-keygen",
    "-lf",
    join(c.dir, "nodes", node, "ssh_host_ed25519_key.pub"),
  ]);
  const m = /SHA256:\S+/.exec(out.stdout.toString());
  if (!m) throw new Error(`no fingerprint for ${node}`);
  return m[0];
}

beforeAll(async () => {
  c = await startCluster(3);
  // n1 has docker (a stand-in on its own PATH): init finds it and offers a specialty.
  const docker = join(c.dir, "nodes", "n1", "bin", "docker");
  writeFileSync(docker, "#!/bin/sh\necho fake docker\n");
  chmodSync(docker, 0o755);
}, T);

afterAll(async () => {
  await c?.down();
}, T);

describe("init", () => {
  test(
    "three nodes as user@address: a commented config that passes config check and routes; keys pinned and shown",
    async () => {
      const e = env();
      const path = join(c.dir, "init-ssh2.toml");
      const hosts = ["n1", "n2", "n3"].map((h) => `cetest@${ADDR[h]}`);
      const r = await cli(c, ["init", ...hosts, "--identity-file", c.keyPath, "--no-local"], e, {
        configPath: path,
      });
      expect(r.stderr).not.toContain("FAILED");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`wrote ${path}: 3 node(s) (n1, n2, n3)`);
      for (const h of ["n1", "n2", "n3"])
        expect(r.stderr).toContain(`init: cetest@${ADDR[h]} → node ${h}: linux/`);
      // The fingerprints shown are the nodes' own keys, and they are pinned under the node names.
      const known = readFileSync(join(e.CLUSTER_STATE_DIR as string, "known_hosts"), "utf8");
      for (const h of ["n1", "n2", "n3"]) {
        expect(r.stderr).toMatch(
          new RegExp(
            `node ${h}: .*host key ssh-ed25519 ${fingerprintOf(h).replace(/[+/]/g, "\\$&")}`,
          ),
        );
        expect(known).toMatch(new RegExp(`^${h} ssh-ed25519 `, "m"));
      }
      const toml = readFileSync(path, "utf8");
      expect(toml).toContain('[nodes.n1]\nhost = "10.250.0.11"');
      expect(toml).toContain(`identity_file = "${c.keyPath}"`);
      expect(toml).toMatch(/capabilities = \[\]\s+# found there now: docker/);
      expect(toml).toMatch(
        /\[nodes\.n1\](\n[^\n[]*|\ncapabilities = \[\][^\n]*)*\nspecialties = \["containerization"\]/,
      );
      expect(toml).toMatch(/^# n1: reached via ssh2; host key ssh-ed25519 SHA256:/m);

      const check = await cli(c, ["config", "check"], e, { configPath: path });
      expect(check.code).toBe(0);
      expect(check.stdout).toContain("3 node(s): n1, n2, n3");
      const route = await cli(c, ["route", "--json", "make -j4"], e, { configPath: path });
      expect(JSON.parse(route.stdout)).toMatchObject({
        decision: "remote",
        node: expect.stringMatching(/^n[123]$/),
      });
      const run = await cli(c, ["run", "--node", "n3", "--", "hostname"], e, { configPath: path });
      expect(run).toMatchObject({ code: 0, stdout: "n3\n" });
      const docker = await cli(c, ["route", "--json", "docker ps"], e, { configPath: path });
      expect(JSON.parse(docker.stdout)).toMatchObject({ node: "n1" });
    },
    T,
  );

  test(
    "ssh_config aliases go through OpenSSH; this machine is a node; an unreachable host is named, the others written",
    async () => {
      const e = env({ CLUSTER_SSH_CONFIG: join(c.dir, "ssh_config") });
      const path = join(c.dir, "init-aliases.toml");
      const r = await cli(c, ["init", "n1", "n2", "cetest@10.250.0.99"], e, {
        configPath: path,
        timeoutMs: 120_000,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/init: cetest@10\.250\.0\.99: UNREACHABLE: .*10\.250\.0\.99/);
      expect(r.stdout).toMatch(/wrote .*: 3 node\(s\) \(\S+, n1, n2\); 1 host\(s\) failed/);
      const toml = readFileSync(path, "utf8");
      expect(toml).toMatch(/^# n1: reached via openssh \(10\.250\.0\.11\)/m);
      expect(toml).toContain('[nodes.n2]\nhost = "n2"');
      expect(toml).not.toContain("10.250.0.99");
      expect(toml).toMatch(/^# \S+: this machine \(runs in-process, never over SSH\)/m);
      const status = await cli(c, ["cluster-status", "--json"], e, { configPath: path });
      const report = JSON.parse(status.stdout);
      expect(report.nodes.n1).toMatchObject({
        transport: "openssh",
        status: expect.stringMatching(/healthy|degraded/),
      });
      expect(report.local_node).toEqual(expect.any(String));
    },
    T,
  );

  test(
    "a name already pinned to another key is refused by name; nothing is overwritten without --force; --dry-run writes and pins nothing",
    async () => {
      const e = env();
      const state = e.CLUSTER_STATE_DIR as string;
      Bun.spawnSync(["mkdir", "-p", state]);
      // n2's name pinned to n1's key.
      const n1Key = readFileSync(
        join(c.dir, "nodes", "n1", "ssh_host_ed25519_key.pub"),
        "utf8",
      ).split(" ");
      writeFileSync(join(state, "known_hosts"), `n2 ${n1Key[0]} ${n1Key[1]}\n`);
      const path = join(c.dir, "init-keys.toml");
      const args = [
        "init",
        `cetest@${ADDR.n1}`,
        `cetest@${ADDR.n2}`,
        "--identity-file",
        c.keyPath,
        "--no-local",
      ];
      const r = await cli(c, args, e, { configPath: path });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /init: cetest@10\.250\.0\.12: HOST_KEY_CHANGED: .*pins ssh-ed25519 SHA256:\S+ for the name n2/,
      );
      expect(readFileSync(path, "utf8")).not.toContain("[nodes.n2]");

      const again = await cli(c, args, e, { configPath: path });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`${path} exists; --force replaces it`);

      const dryState = join(c.dir, "init-dry-state");
      const dryPath = join(c.dir, "init-dry.toml");
      const dry = await cli(
        c,
        ["init", `cetest@${ADDR.n3}`, "--identity-file", c.keyPath, "--dry-run", "--no-local"],
        { ...e, CLUSTER_STATE_DIR: dryState },
        { configPath: dryPath },
      );
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('[nodes.n3]\nhost = "10.250.0.13"');
      expect(existsSync(dryPath)).toBe(false);
      expect(existsSync(join(dryState, "known_hosts"))).toBe(false);

      const before = readFileSync(path, "utf8");
      const forced = await cli(
        c,
        ["init", `cetest@${ADDR.n3}`, "--identity-file", c.keyPath, "--no-local", "--force"],
        e,
        { configPath: path },
      );
      expect(forced.code).toBe(0);
      expect(readFileSync(`${path}.bak`, "utf8")).toBe(before);
      expect(readFileSync(path, "utf8")).toContain("[nodes.n3]");
    },
    T,
  );
});
