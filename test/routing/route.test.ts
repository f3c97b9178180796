// Routing on the netns cluster with faked loads: busy nodes are skipped, a capability routes to the
// only node that has it, and `run` without --node goes where `route` says.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RouteDecision } from "../../src/routing/types.ts";
import { CLI } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";

const T = 60_000;
let c: TestCluster;
let n = 0;
const env = () => ({
  CLUSTER_NO_DAEMON: "1",
  CLUSTER_STATE_DIR: join(c.dir, `route${++n}`),
  CLUSTER_MDNS_TIMEOUT: "0",
});

async function route(...args: string[]): Promise<{ code: number | null; d: RouteDecision }> {
  const r = await c.ctl(
    [process.execPath, CLI, "--config", c.configPath, "route", "--json", ...args],
    {
      env: env(),
      timeoutMs: 30_000,
    },
  );
  try {
    return { code: r.code, d: JSON.parse(r.stdout) as RouteDecision };
  } catch {
    throw new Error(`route printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

describe("route and run on the netns cluster", () => {
  beforeAll(async () => {
    c = await startCluster(3);
    const idle = { memTotalKb: 8_000_000, memAvailKb: 6_000_000 };
    await c.setLoad("n1", {
      load1: 7.5,
      memTotalKb: 8_000_000,
      memAvailKb: 1_000_000,
      cpuBusyPercent: 95,
    });
    await c.setLoad("n2", { load1: 0.1, cpuBusyPercent: 2, ...idle });
    await c.setLoad("n3", { load1: 1.5, cpuBusyPercent: 30, ...idle });
  }, T);
  afterAll(() => c?.down(), T);

  test(
    "a heavy command goes to the freest node; the busy one is skipped with a reason",
    async () => {
      const { code, d } = await route("make -j8");
      expect(code).toBe(0);
      expect(d.decision).toBe("remote");
      expect(d.node).toBe("n2");
      expect(d.reason).toContain("n2");
      const n1 = d.candidates.find((x) => x.node === "n1");
      const n3 = d.candidates.find((x) => x.node === "n3");
      expect(n1?.note).toMatch(/load|cpu|memory/);
      expect((n3?.score ?? 0) < (d.candidates.find((x) => x.node === "n2")?.score ?? 0)).toBe(true);
    },
    T,
  );

  test(
    "a capability routes to the only node that has it, busy or not",
    async () => {
      const explicit = await route("--cap", "docker", "true");
      expect(explicit.d.node).toBe("n1");
      const inferred = await route("docker ps");
      expect(inferred.d.node).toBe("n1");
      expect(inferred.d.requirements.map((r) => `${r.kind}=${r.value}`)).toContain(
        "capability=docker",
      );
    },
    T,
  );

  test(
    "a tool found on one node's PATH (not configured anywhere) routes its command there",
    async () => {
      const standIn = join(c.dir, "nodes", "n3", "bin", "podman");
      writeFileSync(standIn, "#!/bin/sh\necho podman-on-$(hostname)\n");
      chmodSync(standIn, 0o755);
      const { code, d } = await route("podman ps");
      expect(code).toBe(0);
      expect(d).toMatchObject({ decision: "remote", node: "n3" });
      expect(d.candidates.find((x) => x.node === "n2")?.note).toBe("lacks capability podman");
      const r = await c.ctl(
        [process.execPath, CLI, "--config", c.configPath, "run", "--json", "--", "podman ps"],
        { env: env(), timeoutMs: 30_000 },
      );
      expect(JSON.parse(r.stdout)).toMatchObject({ node: "n3", stdout: "podman-on-n3\n" });
    },
    T,
  );

  test(
    "an unmet requirement is no_node naming it; a dangerous command is refused",
    async () => {
      const none = await route("--os", "macos", "true");
      expect(none.code).toBe(69);
      expect(none.d.decision).toBe("no_node");
      expect(none.d.reason).toContain("macos");
      const refused = await route("rm -rf /");
      expect(refused.code).toBe(77);
      expect(refused.d.rule).toBe("recursive-delete");
    },
    T,
  );

  test(
    "the policy judges a remote command in the node's home unless a cwd is given (dry run only)",
    async () => {
      const home = await route("--node", "n2", "rm -rf ./*");
      expect(home.code).toBe(77);
      expect(home.d).toMatchObject({ decision: "refused", rule: "recursive-delete" });
      expect(home.d.reason).toContain("~/*");
      const scratch = await route("--node", "n2", "--cwd", "/tmp/ce-scratch", "rm -rf ./*");
      expect(scratch.code).toBe(0);
      const root = await route("--node", "n2", "--cwd", "/", "rm -rf ./*");
      expect(root.d.rule).toBe("recursive-delete");
    },
    T,
  );

  test(
    "run without --node executes where the router chose",
    async () => {
      const r = await c.ctl(
        [
          process.execPath,
          CLI,
          "--config",
          c.configPath,
          "run",
          "--json",
          "--",
          "make --version >/dev/null 2>&1; hostname",
        ],
        {
          env: env(),
          timeoutMs: 30_000,
        },
      );
      const result = JSON.parse(r.stdout);
      expect(result.node).toBe("n2");
      expect(result.stdout).toBe("n2\n");
      expect(result.route.candidates.length).toBe(3);
    },
    T,
  );
});
