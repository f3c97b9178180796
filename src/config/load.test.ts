import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";
import { envNodeKey, loadConfig } from "./load.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-config-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const baseEnv = { HOME: dir, USER: "tester" };

const two = file(
  "two.toml",
  `[defaults]
user = "fileuser"
ssh_timeout = 7
cmd_timeout = 100
identity_file = "~/.ssh/k"

[nodes.mac-studio]
host = "studio.local"
ip = "10.9.0.2"
os = "darwin"
arch = "aarch64"
capabilities = ["mlx-gpu"]

[nodes.box]
user = "boxuser"
port = 2222
`,
);

function configError(fn: () => unknown): ClusterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterError);
    return err as ClusterError;
  }
  throw new Error("expected a ClusterError");
}

describe("precedence: flags > env > file > defaults", () => {
  test("defaults apply where nothing else speaks", () => {
    const c = loadConfig({ configPath: two, env: baseEnv });
    expect(c.settings.ssh_connect_timeout).toBe(2);
    expect(c.settings.ssh_retries).toBe(2);
    expect(c.settings.cpu_threshold).toBe(40);
    expect(c.settings.load_threshold).toBe(4);
    expect(c.settings.memory_threshold).toBe(80);
    expect(c.settings.status_timeout).toBe(5);
    expect(c.settings.ip_cache_ttl).toBe(300);
    expect(c.settings.gateway).toBeUndefined();
  });
  test("file beats defaults", () => {
    const c = loadConfig({ configPath: two, env: baseEnv });
    expect(c.settings.ssh_timeout).toBe(7);
    expect(c.settings.cmd_timeout).toBe(100);
    expect(c.settings.user).toBe("fileuser");
  });
  test("env beats file", () => {
    const c = loadConfig({
      configPath: two,
      env: { ...baseEnv, CLUSTER_SSH_TIMEOUT: "9", CLUSTER_SSH_USER: "envuser" },
    });
    expect(c.settings.ssh_timeout).toBe(9);
    expect(c.settings.user).toBe("envuser");
    expect(c.nodes["mac-studio"]?.user).toBe("envuser");
    expect(c.nodes.box?.user).toBe("boxuser"); // a node's own user still wins
  });
  test("flags beat env", () => {
    const c = loadConfig({
      configPath: two,
      env: { ...baseEnv, CLUSTER_CMD_TIMEOUT: "50" },
      overrides: { cmd_timeout: "3" },
    });
    expect(c.settings.cmd_timeout).toBe(3);
  });
  test("CLUSTER_CONFIG names the file when --config is absent; --config wins", () => {
    const other = file("other.toml", "[nodes.only]\nhost = 'only.local'\n");
    expect(Object.keys(loadConfig({ env: { ...baseEnv, CLUSTER_CONFIG: other } }).nodes)).toEqual([
      "only",
    ]);
    const c = loadConfig({ configPath: two, env: { ...baseEnv, CLUSTER_CONFIG: other } });
    expect(Object.keys(c.nodes)).toEqual(["mac-studio", "box"]);
  });
  test("~/.config/cluster-exec/cluster.toml is the default path", () => {
    const home = mkdtempSync(join(tmpdir(), "ce-home-"));
    const cfgDir = join(home, ".config", "cluster-exec");
    Bun.spawnSync(["mkdir", "-p", cfgDir]);
    writeFileSync(join(cfgDir, "cluster.toml"), "[nodes.homebox]\n");
    expect(Object.keys(loadConfig({ env: { HOME: home } }).nodes)).toEqual(["homebox"]);
  });
});

describe("nodes", () => {
  test("aliases are normalised and inherited settings filled in", () => {
    const c = loadConfig({ configPath: two, env: baseEnv });
    const studio = c.nodes["mac-studio"];
    expect(studio?.os).toBe("macos");
    expect(studio?.arch).toBe("arm64");
    expect(studio?.identity_file).toBe(join(dir, ".ssh/k"));
    expect(studio?.port).toBe(22);
    expect(c.nodes.box?.port).toBe(2222);
    expect(c.nodes.box?.host).toBe("box"); // host defaults to the node name
  });
  test("CLUSTER_<NAME>_HOST / _IP override a node, NAME upper-cased without punctuation", () => {
    expect(envNodeKey("mac-studio")).toBe("MACSTUDIO");
    const c = loadConfig({
      configPath: two,
      env: {
        ...baseEnv,
        CLUSTER_MACSTUDIO_HOST: "studio2.local",
        CLUSTER_MACSTUDIO_IP: "10.9.0.3",
      },
    });
    expect(c.nodes["mac-studio"]?.host).toBe("studio2.local");
    expect(c.nodes["mac-studio"]?.ip).toBe("10.9.0.3");
  });
  test("a bad IP from the environment is named by its variable", () => {
    const e = configError(() =>
      loadConfig({ configPath: two, env: { ...baseEnv, CLUSTER_BOX_IP: "300.1.1.1" } }),
    );
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toContain("CLUSTER_BOX_IP (environment)");
    expect(e.message).toContain('"300.1.1.1"');
  });
  test("unknown CLUSTER_ variables are warnings, not silence", () => {
    const c = loadConfig({
      configPath: two,
      env: { ...baseEnv, CLUSTER_SSH_TIMOUT: "3", CLUSTER_NOPE_HOST: "x" },
    });
    expect(c.warnings.join("\n")).toContain("CLUSTER_SSH_TIMOUT is not a cluster-exec setting");
    expect(c.warnings.join("\n")).toContain("CLUSTER_NOPE_HOST names no node");
  });
});

describe("embedded default and state dir", () => {
  test("no file: a one-node cluster of this machine", () => {
    const c = loadConfig({ env: { HOME: mkdtempSync(join(tmpdir(), "ce-empty-")) } });
    expect(c.source).toBe("embedded default");
    const nodes = Object.values(c.nodes);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]?.os).toBe(process.platform === "darwin" ? "macos" : "linux");
    expect(nodes[0]?.cores).toBeGreaterThan(0);
  });
  test("AGENTIC_SYSTEM_PATH is the base of the state dir, else XDG_STATE_HOME", () => {
    expect(
      loadConfig({ configPath: two, env: { ...baseEnv, AGENTIC_SYSTEM_PATH: "/srv/ag" } }).settings
        .state_dir,
    ).toBe("/srv/ag/cluster-exec");
    expect(
      loadConfig({ configPath: two, env: { ...baseEnv, XDG_STATE_HOME: "/x/state" } }).settings
        .state_dir,
    ).toBe("/x/state/cluster-exec");
    expect(loadConfig({ configPath: two, env: baseEnv }).settings.state_dir).toBe(
      join(dir, ".local/state/cluster-exec"),
    );
  });
});

describe("errors name the key, the bad value and what was expected", () => {
  test("unknown os, negative timeout, unknown key, wrong type", () => {
    const bad = file(
      "bad.toml",
      `[defaults]\ncmd_timeout = -5\ncpu_threshold = "high"\n[nodes.a]\nos = "windows"\nflavour = 1\n`,
    );
    const e = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(e.message).toContain(`defaults.cmd_timeout in ${bad}: got -5, expected seconds > 0`);
    expect(e.message).toContain(
      `defaults.cpu_threshold in ${bad}: got "high", expected a percentage`,
    );
    expect(e.message).toContain(`nodes.a.os in ${bad}: got "windows", expected "linux" or "macos"`);
    expect(e.message).toContain(`nodes.a.flavour in ${bad}: unknown key`);
  });
  test("bad TOML", () => {
    const e = configError(() =>
      loadConfig({ configPath: file("t.toml", "[defaults\nx="), env: baseEnv }),
    );
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toMatch(/invalid TOML: .*']'/);
  });
  test("env values are validated like file values", () => {
    const e = configError(() =>
      loadConfig({ configPath: two, env: { ...baseEnv, CLUSTER_SSH_RETRIES: "lots" } }),
    );
    expect(e.message).toContain(
      'CLUSTER_SSH_RETRIES (environment): got "lots", expected a whole number',
    );
  });
  test("defaults or nodes that are not tables are reported, not dropped", () => {
    const bad = file("shape.toml", "defaults = 5\nnodes = 5\n");
    const e = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(e.message).toContain(`defaults in ${bad}: got 5, expected object`);
    expect(e.message).toContain(`nodes in ${bad}: got 5, expected record`);
  });
  test("a node that is not a table is reported even when the environment overrides it", () => {
    const bad = file("node.toml", "[nodes]\nbox = 1\n");
    const e = configError(() =>
      loadConfig({ configPath: bad, env: { ...baseEnv, CLUSTER_BOX_HOST: "box.lan" } }),
    );
    expect(e.message).toContain(`nodes.box in ${bad}: got 1, expected object`);
  });
  test("a bad node name says what a name may be", () => {
    const bad = file("name.toml", "[nodes.'a b']\n");
    const e = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(e.message).toContain(`nodes.a b in ${bad}: got "a b", expected a node name of letters`);
  });
  test("seconds beyond what a timer can wait are refused, not left to fire at once", () => {
    const e = configError(() =>
      loadConfig({ configPath: two, env: { ...baseEnv, CLUSTER_STATUS_TIMEOUT: "1e7" } }),
    );
    expect(e.message).toContain(
      "CLUSTER_STATUS_TIMEOUT (environment): got 10000000, expected at most",
    );
  });

  test("every size setting has an upper bound: a huge one is refused, not left to exhaust memory", () => {
    for (const [variable, value] of [
      ["CLUSTER_OUTPUT_LIMIT", "1e12"],
      ["CLUSTER_HTTP_MAX_BODY", "1e12"],
      ["CLUSTER_AUDIT_MAX_BYTES", "1e15"],
    ] as const) {
      const e = configError(() =>
        loadConfig({ configPath: two, env: { ...baseEnv, [variable]: value } }),
      );
      expect(e.message).toContain(
        `${variable} (environment): got ${Number(value)}, expected at most`,
      );
    }
  });

  test("protected_paths: a list or comma-separated, @default kept as a token, bad entries named", () => {
    expect(loadConfig({ configPath: two, env: baseEnv }).settings.protected_paths).toEqual([
      "@default",
    ]);
    const env = { ...baseEnv, CLUSTER_PROTECTED_PATHS: "@default, /data,~/keep" };
    expect(loadConfig({ configPath: two, env }).settings.protected_paths).toEqual([
      "@default",
      "/data",
      "~/keep",
    ]);
    const list = file("protect.toml", '[defaults]\nprotected_paths = ["/", "/srv/*"]\n');
    expect(loadConfig({ configPath: list, env: baseEnv }).settings.protected_paths).toEqual([
      "/",
      "/srv/*",
    ]);
    const bad = file("protect-bad.toml", '[defaults]\nprotected_paths = ["/ok", "relative/x"]\n');
    const e = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(e.message).toContain(`defaults.protected_paths in ${bad}: got ["/ok","relative/x"]`);
    expect(e.message).toContain('a ~/ path (globs allowed) in each entry, not "relative/x"');
  });

  test("an explicit file that does not exist is an error, not the default", () => {
    const e = configError(() =>
      loadConfig({ configPath: join(dir, "missing.toml"), env: baseEnv }),
    );
    expect(e.message).toContain("missing.toml: not found");
  });
});

describe("sandbox settings", () => {
  test("[defaults] sandbox and writable apply to every node; a node may set its own", () => {
    const p = file(
      "box.toml",
      `[defaults]
sandbox = "system"
writable = ["~/.cache", "/srv/cache"]

[nodes.a]
[nodes.b]
sandbox = "workspace"
writable = ["~/.npm"]
`,
    );
    const c = loadConfig({ configPath: p, env: baseEnv });
    expect(c.nodes.a).toMatchObject({ sandbox: "system", writable: ["~/.cache", "/srv/cache"] });
    expect(c.nodes.b).toMatchObject({ sandbox: "workspace", writable: ["~/.npm"] });
    const env = loadConfig({ configPath: p, env: { ...baseEnv, CLUSTER_SANDBOX: "off" } });
    expect(env.nodes.a?.sandbox).toBe("off");
    expect(loadConfig({ configPath: two, env: baseEnv }).nodes.box).toMatchObject({
      sandbox: "off",
      writable: [],
    });
  });

  test("a bad level or path is named with the value and what was expected", () => {
    const e = configError(() =>
      loadConfig({ configPath: two, env: { ...baseEnv, CLUSTER_SANDBOX: "strict" } }),
    );
    expect(e.message).toContain(
      'CLUSTER_SANDBOX (environment): got "strict", expected "off", "system" or "workspace"',
    );
    const p = file("badbox.toml", `[nodes.a]\nsandbox = "on"\nwritable = ["cache", "/"]\n`);
    const f = configError(() => loadConfig({ configPath: p, env: baseEnv }));
    expect(f.message).toContain(
      `nodes.a.sandbox in ${p}: got "on", expected "off", "system" or "workspace"`,
    );
    expect(f.message).toContain(
      `nodes.a.writable.0 in ${p}: got "cache", expected an absolute path other than "/", or one under the home directory ("~/.cache")`,
    );
    expect(f.message).toContain(`nodes.a.writable.1 in ${p}: got "/"`);
  });
});

describe("slurm nodes", () => {
  test("kind defaults to ssh; a slurm node submits from its host (this machine without one)", () => {
    const cfg = file(
      "slurm.toml",
      `[nodes.box]\n[nodes.hpc]\nkind = "slurm"\nhost = "login.example"\npartition = "batch"\naccount = "proj1"\nqos = "normal"\ncpus_per_task = 4\ntime_limit = 90\n[nodes.here]\nkind = "slurm"\npartition = "debug"\ntime_limit = "1-12:00:00"\n`,
    );
    const c = loadConfig({ configPath: cfg, env: baseEnv });
    expect(c.nodes.box?.kind).toBe("ssh");
    expect(c.nodes.hpc).toMatchObject({
      kind: "slurm",
      host: "login.example",
      partition: "batch",
      account: "proj1",
      qos: "normal",
      cpus_per_task: 4,
      time_limit: "90",
    });
    expect(c.nodes.here).toMatchObject({
      kind: "slurm",
      host: "localhost",
      time_limit: "1-12:00:00",
    });
  });

  test("a slurm node without partition, slurm keys on an ssh node, bad values: each named", () => {
    const bad = file(
      "slurm-bad.toml",
      `[nodes.hpc]\nkind = "slurm"\n[nodes.box]\npartition = "batch"\ncpus_per_task = 2\n[nodes.odd]\nkind = "pbs"\n[nodes.t]\nkind = "slurm"\npartition = "p"\ntime_limit = "soon"\ncpus_per_task = 0\n`,
    );
    const e = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(e.message).toContain(
      `nodes.hpc.partition in ${bad}: missing; a kind = "slurm" node needs partition = "NAME"`,
    );
    expect(e.message).toContain(
      `nodes.box.partition in ${bad}: got "batch", only for kind = "slurm" nodes (this node is kind = "ssh")`,
    );
    expect(e.message).toContain(
      `nodes.box.cpus_per_task in ${bad}: got 2, only for kind = "slurm"`,
    );
    expect(e.message).toContain(
      `nodes.odd.kind in ${bad}: got "pbs", expected "ssh" (the default) or "slurm"`,
    );
    expect(e.message).toContain(
      `nodes.t.time_limit in ${bad}: got "soon", expected a Slurm time limit`,
    );
    expect(e.message).toContain(
      `nodes.t.cpus_per_task in ${bad}: got 0, expected cpus_per_task >= 1`,
    );
  });
});

describe("transport", () => {
  const t = file(
    "transport.toml",
    `[defaults]
transport = "ssh2"
ssh_config = "~/my_ssh_config"

[nodes.a]
[nodes.b]
transport = "openssh"
user = "bee"
`,
  );

  test("[defaults], a node's own, the environment; ~ expanded in ssh_config", () => {
    const c = loadConfig({ configPath: t, env: baseEnv });
    expect(c.nodes.a?.transport).toBe("ssh2");
    expect(c.nodes.b?.transport).toBe("openssh");
    expect(c.settings.ssh_config).toBe(join(dir, "my_ssh_config"));
    const e = loadConfig({ configPath: t, env: { ...baseEnv, CLUSTER_SSH_TRANSPORT: "auto" } });
    expect(e.nodes.a?.transport).toBe("auto");
    expect(loadConfig({ configPath: two, env: baseEnv }).nodes.box?.transport).toBe("auto");
  });

  test("only a configured user or port counts as explicit (ssh's own config may say them)", () => {
    const c = loadConfig({ configPath: t, env: baseEnv });
    expect(c.nodes.a?.explicit).toEqual({ user: false, port: false });
    expect(c.nodes.b?.explicit).toEqual({ user: true, port: false });
    const e = loadConfig({ configPath: t, env: { ...baseEnv, CLUSTER_SSH_USER: "u" } });
    expect(e.nodes.a?.explicit).toEqual({ user: true, port: false });
    expect(loadConfig({ configPath: two, env: baseEnv }).nodes.box?.explicit).toEqual({
      user: true,
      port: true,
    });
  });

  test("a bad transport names the key, the value and the choices", () => {
    const e = configError(() =>
      loadConfig({ configPath: t, env: { ...baseEnv, CLUSTER_SSH_TRANSPORT: "telnet" } }),
    );
    expect(e.message).toContain("CLUSTER_SSH_TRANSPORT");
    expect(e.message).toContain("telnet");
    expect(e.message).toContain('"ssh2", "openssh" or "auto"');
    const bad = file("bad-transport.toml", '[nodes.x]\ntransport = "rsh"\n');
    const n = configError(() => loadConfig({ configPath: bad, env: baseEnv }));
    expect(n.message).toContain("nodes.x.transport");
    expect(n.message).toContain("rsh");
  });
});
