import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { redact } from "../../src/cli/info.ts";
import { cli, isolatedEnv, ROOT } from "../helpers/cli.ts";

describe("probe --json", () => {
  test("returns sane numbers that agree with /proc", async () => {
    const r = await cli(["probe", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    const [l1] = readFileSync("/proc/loadavg", "latin1").split(" ").map(Number);
    const memTotalKb = Number(
      /MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "latin1"))?.[1],
    );
    expect(s.os).toBe("linux");
    expect(["x86_64", "arm64"]).toContain(s.arch);
    expect(s.cores).toBe(cpus().length);
    expect(Math.abs(s.load_1m - (l1 as number))).toBeLessThan(2); // load moves a little between reads
    expect(s.load_5m).toBeGreaterThanOrEqual(0);
    expect(s.load_15m).toBeGreaterThanOrEqual(0);
    expect(s.mem_total).toBe(memTotalKb * 1024);
    expect(s.memory_percent).toBeGreaterThan(0);
    expect(s.memory_percent).toBeLessThan(100);
    expect(s.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(s.cpu_percent).toBeLessThanOrEqual(100);
  });

  test("human output names the machine", async () => {
    const r = await cli(["probe"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/linux\/(x86_64|arm64)\s+cores \d+\s+load /);
  });
});

describe("config check | show", () => {
  /** An isolated home with the private key the examples name. */
  const withKey = () => {
    const env = isolatedEnv();
    mkdirSync(join(env.HOME as string, ".ssh"), { mode: 0o700 });
    writeFileSync(
      join(env.HOME as string, ".ssh", "id_ed25519"),
      "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n",
      { mode: 0o600 },
    );
    return env;
  };

  for (const example of ["agentic-cluster.toml", "minimal.toml"]) {
    test(`the shipped example ${example} passes`, async () => {
      const r = await cli(["--config", join(ROOT, "examples", example), "config", "check"], {
        env: withKey(),
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith("ok: ");
    });
  }

  test("a bad file exits 2 naming each key and value", async () => {
    const env = isolatedEnv();
    const bad = join(env.HOME as string, "bad.toml");
    writeFileSync(bad, '[defaults]\ncmd_timeout = -1\n[nodes.x]\nos = "plan9"\n');
    const r = await cli(["config", "check", "--config", bad], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nodes.x.os in ");
    expect(r.stderr).toContain('got "plan9", expected "linux" or "macos"');
    expect(r.stderr).toContain("defaults.cmd_timeout");
    expect(r.stderr).toContain("got -1");
  });

  test("an identity_file that is missing, or a public key, is reported (exit 2)", async () => {
    const env = withKey();
    const home = env.HOME as string;
    writeFileSync(join(home, ".ssh", "id_ed25519.pub"), "ssh-ed25519 AAAAC3Nza tester@host\n");
    const file = join(home, "c.toml");
    writeFileSync(
      file,
      '[defaults]\nidentity_file = "~/.ssh/id_ed25519.pub"\n[nodes.a]\nidentity_file = "~/.ssh/nope"\n[nodes.b]\n',
    );
    const r = await cli(["--config", file, "config", "check"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `defaults.identity_file: "${home}/.ssh/id_ed25519.pub" is a public key`,
    );
    expect(r.stderr).toContain(`nodes.a.identity_file: "${home}/.ssh/nope" does not exist`);
    // Node b inherits the defaults' key: reported once, under defaults.
    expect(r.stderr).not.toContain("nodes.b");
    writeFileSync(file, '[defaults]\nidentity_file = "~/.ssh/id_ed25519"\n[nodes.a]\n');
    const ok = await cli(["--config", file, "config", "check"], { env });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  test("bad TOML and a bad environment value exit 2", async () => {
    const env = isolatedEnv();
    const bad = join(env.HOME as string, "broken.toml");
    writeFileSync(bad, "[nodes.x\n");
    const toml = await cli(["--config", bad, "config", "check"], { env });
    expect(toml.code).toBe(2);
    expect(toml.stderr).toContain("invalid TOML");
    const envBad = await cli(["config", "check"], {
      env: { ...env, CLUSTER_MEMORY_THRESHOLD: "150" },
    });
    expect(envBad.code).toBe(2);
    expect(envBad.stderr).toContain("CLUSTER_MEMORY_THRESHOLD (environment): got 150");
  });

  test("no file: the embedded one-node default works at once", async () => {
    const r = await cli(["config", "show", "--json"]);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.source).toBe("embedded default");
    expect(Object.keys(c.nodes)).toHaveLength(1);
  });

  test("show prints the effective configuration as TOML", async () => {
    const env = isolatedEnv();
    const f = join(env.HOME as string, "c.toml");
    writeFileSync(f, '[nodes.a]\nhost = "a.local"\n');
    const r = await cli(["--config", f, "config", "show"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[nodes.a]");
    expect(r.stdout).toContain('host = "a.local"');
    expect(r.stdout).toContain("cmd_timeout = 300");
  });

  test("secrets are redacted, other values kept", () => {
    const shown = redact({
      defaults: { http_token: "s3cret", user: "u" },
      nodes: { a: { password: "p" } },
    });
    expect(shown).toEqual({
      defaults: { http_token: "***redacted***", user: "u" },
      nodes: { a: { password: "***redacted***" } },
    });
  });
});

describe("version and help", () => {
  test("version prints name, version, target, commit", async () => {
    const r = await cli(["version", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: "cluster-exec",
      version: expect.any(String),
    });
  });
  test("every verb has --help", async () => {
    for (const verb of ["run", "probe", "config", "version"]) {
      const r = await cli([verb, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: cluster-exec ${verb}`);
    }
  });
});
