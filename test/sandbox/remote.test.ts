// The OS sandbox on a node of the netns test cluster (bubblewrap, run by the unprivileged test
// user over SSH), end to end through the CLI: what it allows, what it refuses, and that timeout
// and cancel still leave nothing behind, in the foreground and in background tasks. Each refusal
// has its unsandboxed control, so that it is the sandbox's doing. The same node over the openssh
// transport (its reporting wrapper on the node) is held to the main points, through the harness.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunSpec } from "../../src/exec/executor.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, type Harness, inCtl, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { eventually } from "../tasks/helpers.ts";

const T = 60_000;
let c: TestCluster;
let env: Record<string, string>;
const tag = Math.random().toString(36).slice(2, 8);
const ws = `/home/cetest/ce-ws-${tag}`;
const canary = `/home/cetest/ce-canary-${tag}`;
const markers: string[] = [];

beforeAll(async () => {
  c = await startCluster(1);
  env = testEnv(c);
  const uid = Number(Bun.spawnSync(["id", "-u", "cetest"]).stdout.toString());
  for (const d of [ws, canary]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, uid, uid);
  }
  writeFileSync(`${canary}/keep`, "precious\n");
  chownSync(`${canary}/keep`, uid, uid);
}, T);

afterAll(async () => {
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  for (const d of [ws, canary]) rmSync(d, { recursive: true, force: true });
  await c?.down();
}, T);

const run = (cmd: string, sandbox?: string, extra: string[] = []) =>
  cli(
    c,
    [
      "run",
      "--node",
      "n1",
      "--cwd",
      ws,
      ...(sandbox ? ["--sandbox", sandbox] : []),
      ...extra,
      "--",
      cmd,
    ],
    env,
  );

const marker = () => {
  const m = uniqueSleep();
  markers.push(m);
  return m;
};

describe("sandbox workspace on a node", () => {
  test(
    "a build-like command works inside the workspace",
    async () => {
      const r = await run(
        "mkdir -p out/a/b && echo data > out/a/b/f && mv out/a out/c && cat out/c/b/f && rm -rf out && ls -A",
        "workspace",
      );
      expect([r.code, r.stdout, r.stderr]).toEqual([0, "data\n", ""]);
    },
    T,
  );

  test(
    "a canary outside survives rm -rf, a write there fails read-only; unsandboxed it would not",
    async () => {
      const rm = await run(`rm -rf ${canary}`, "workspace");
      expect(rm.code).not.toBe(0);
      expect(rm.stderr).toContain("Read-only file system");
      expect(readFileSync(`${canary}/keep`, "utf8")).toBe("precious\n");
      const write = await run(`echo x > ${canary}/f`, "workspace");
      expect(write.code).toBe(1); // bash: the redirection failed
      expect(write.stderr).toContain("Read-only file system");
      expect(existsSync(`${canary}/f`)).toBe(false);
      const control = await run(`echo x > ${canary}/f && echo written`);
      expect([control.code, control.stdout]).toEqual([0, "written\n"]);
      rmSync(`${canary}/f`);
    },
    T,
  );

  test(
    "/etc cannot be written: read-only, not just forbidden",
    async () => {
      const boxed = await run("touch /etc/ce-sandbox-test", "workspace");
      expect(boxed.code).not.toBe(0);
      expect(boxed.stderr).toContain("Read-only file system");
      const control = await run("touch /etc/ce-sandbox-test");
      expect(control.stderr).toContain("Permission denied");
    },
    T,
  );

  test(
    "sudo cannot elevate (the test user may `sudo -n true` outside the sandbox)",
    async () => {
      // Whole results compared, so that a failure shows stderr too.
      const control = await run("sudo -n true && echo elevated");
      expect(control).toMatchObject({ code: 0, stdout: "elevated\n" });
      for (const level of ["system", "workspace"]) {
        const boxed = await run("sudo -n true && echo elevated", level);
        expect(boxed).toMatchObject({
          code: 1,
          stdout: "",
          stderr: expect.stringContaining("no new privileges"),
        });
      }
    },
    T,
  );

  test(
    "a workspace in a system directory is refused on the node: exit 77, nothing ran",
    async () => {
      const r = await cli(
        c,
        [
          "run",
          "--node",
          "n1",
          "--cwd",
          "/usr/share",
          "--sandbox",
          "workspace",
          "--json",
          "--",
          "echo ran",
        ],
        env,
      );
      expect(r.code).toBe(77);
      const result = JSON.parse(r.stdout) as {
        stdout: string;
        error: { code: string; message: string };
      };
      expect(result.stdout).toBe("");
      expect(result.error.code).toBe("SANDBOX_UNAVAILABLE");
      expect(result.error.message).toContain(
        'the working directory "/usr/share" is / or a system directory',
      );
    },
    T,
  );
});

describe("sandbox system on a node", () => {
  test(
    "the canary outside the workspace is writable, /etc and /usr are not",
    async () => {
      const r = await run(
        `echo x > ${canary}/sys && echo canary-ok; touch /etc/ce-sandbox-test 2>&1; test -w /usr/bin || echo usr-readonly`,
        "system",
      );
      expect(r.stdout).toBe(
        "canary-ok\ntouch: cannot touch '/etc/ce-sandbox-test': Read-only file system\nusr-readonly\n",
      );
      rmSync(`${canary}/sys`);
    },
    T,
  );
});

describe("timeout and cancel kill everything inside the sandbox", () => {
  test(
    "timeout: exit 124, nothing left on the node",
    async () => {
      const m = marker();
      const r = await run(`echo started; sleep ${m} & sleep ${m}`, "workspace", ["--timeout", "1"]);
      expect(r.code).toBe(124);
      expect(r.stdout).toBe("started\n");
      expect(await waitGone(m)).toEqual([]);
    },
    T,
  );

  test(
    "cancel (Ctrl-C on run): exit 130, nothing left on the node",
    async () => {
      const m = marker();
      const args = [
        "--config",
        c.configPath,
        "run",
        "--node",
        "n1",
        "--cwd",
        ws,
        "--sandbox",
        "workspace",
      ];
      const proc = inCtl(
        c,
        [process.execPath, CLI, ...args, "--", `echo started; sleep ${m} & sleep ${m}`],
        env,
      );
      let out = "";
      for await (const chunk of proc.stdout) {
        out += new TextDecoder().decode(chunk);
        if (out.includes("started")) break;
      }
      await eventually(() => (liveProcesses(m).length >= 2 ? true : undefined), 10_000, "sleeps");
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      expect(await waitGone(m)).toEqual([]);
    },
    T,
  );

  test(
    "background tasks: cancel and timeout leave nothing on the node",
    async () => {
      const m1 = marker();
      const sub = await cli(
        c,
        [
          "submit",
          "--node",
          "n1",
          "--cwd",
          ws,
          "--sandbox",
          "workspace",
          "--",
          `sleep ${m1} & sleep ${m1}`,
        ],
        env,
      );
      expect(sub.code).toBe(0);
      const id = sub.stdout.trim();
      await eventually(
        () =>
          liveProcesses(m1).filter((l) => l.includes(" sleep ")).length >= 2 ? true : undefined,
        20_000,
        "sleeps",
      );
      const cancel = await cli(c, ["cancel", id], env);
      expect(cancel.code).toBe(0);
      expect(await waitGone(m1)).toEqual([]);
      const st = JSON.parse((await cli(c, ["status", "--json", id], env)).stdout) as Record<
        string,
        unknown
      >;
      expect(st).toMatchObject({ state: "canceled", canceled: true });

      const m2 = marker();
      const timed = await cli(
        c,
        [
          "submit",
          "--node",
          "n1",
          "--cwd",
          ws,
          "--sandbox",
          "workspace",
          "--timeout",
          "1",
          "--",
          `sleep ${m2} & sleep ${m2}`,
        ],
        env,
      );
      const w = await cli(c, ["wait", timed.stdout.trim()], env);
      expect(w.code).toBe(124);
      expect(await waitGone(m2)).toEqual([]);
    },
    T,
  );
});

describe("over the openssh transport", () => {
  let harness: Harness;
  beforeAll(() => {
    const configPath = join(c.dir, "openssh.toml");
    const sshConfig = join(c.dir, "ssh_config");
    const toml = `[defaults]\ntransport = "openssh"\nssh_config = "${sshConfig}"\n\n[nodes.n1]\nhost = "n1"\n`;
    writeFileSync(configPath, toml);
    harness = startHarness({ ...c, configPath }, env);
  });
  afterAll(async () => {
    await harness?.close();
  }, T);

  const base = { timeoutMs: 20_000, outputLimit: 64 * 1024, killGraceMs: 1000 };
  const workspace = { level: "workspace" as const, writable: [] };
  const runOver = async (command: string, extra: Partial<Omit<RunSpec, "onOutput">> = {}) => {
    const a = await harness.run("n1", { spec: { ...base, cwd: ws, command, ...extra } });
    if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
    return a.outcome;
  };

  test(
    "the workspace is writable, a canary outside survives rm -rf, sudo cannot elevate",
    async () => {
      expect((await harness.stats("n1")).transport?.transport).toBe("openssh");
      const boxed = await runOver(
        [
          "mkdir -p out/a && echo data > out/a/f && mv out/a out/c && cat out/c/f && rm -rf out",
          `rm -rf ${canary} 2>&1 | head -1 >&2`,
          "sudo -n true && echo elevated",
          "exit 3",
        ].join("; "),
        { sandbox: workspace },
      );
      expect(boxed).toMatchObject({ exit_code: 3, signal: null, stdout: "data\n" });
      expect(boxed.stderr).toContain("Read-only file system");
      expect(boxed.stderr).toContain("no new privileges");
      expect(readFileSync(`${canary}/keep`, "utf8")).toBe("precious\n");
      const control = await runOver("sudo -n true && echo elevated");
      expect(control).toMatchObject({ exit_code: 0, stdout: "elevated\n" });
    },
    T,
  );

  test(
    "a timeout kills everything inside; a workspace in a system directory runs nothing",
    async () => {
      const m = marker();
      const r = await runOver(`echo started; sleep ${m} & sleep ${m}`, {
        sandbox: workspace,
        timeoutMs: 1000,
      });
      expect(r).toMatchObject({ timed_out: true, stdout: "started\n" });
      expect(await waitGone(m)).toEqual([]);
      const sys = await runOver("echo ran", { sandbox: workspace, cwd: "/usr/share" });
      expect(sys).toMatchObject({ stdout: "", error: { code: "SANDBOX_UNAVAILABLE" } });
      expect(sys.error?.message).toContain("sandbox workspace refused on n1");
    },
    T,
  );
});
