// `run --node` for the machine itself runs locally, without SSH: the only node of the embedded
// default, or a configured node named like this host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/ctl-harness.ts";

let dir: string;
const me = hostname().split(".")[0] as string;

async function cli(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CLUSTER_NO_DAEMON: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code: await proc.exited, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ce-local-node-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("run --node for this machine", () => {
  test("the embedded default's only node runs locally", async () => {
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, "nocfg"),
      CLUSTER_NO_DAEMON: "1",
      CLUSTER_STATE_DIR: join(dir, "s"),
    };
    const check = await cli(["config", "check"], env);
    expect(check.stdout).toContain("embedded default");
    const name = /node\(s\): (\S+)/.exec(check.stdout)?.[1] as string;
    const r = await cli(["run", "--node", name, "--json", "--", "hostname"], env);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.node).toBe(name);
    expect(result.stdout).toBe(`${hostname()}\n`);
  });

  test("a configured node named like this host runs locally; unknown names exit 2", async () => {
    const cfg = join(dir, "cluster.toml");
    // `far` is a second node on a closed loopback port: never contacted by a run on `me`
    writeFileSync(
      cfg,
      `[defaults]\nuser = "nobody"\n\n[nodes.${me}]\nhost = "${me}.local"\n\n[nodes.far]\nip = "127.0.0.1"\nport = 9\n`,
    );
    const env = { HOME: dir, CLUSTER_STATE_DIR: join(dir, "s"), CLUSTER_MDNS_TIMEOUT: "0" };
    const r = await cli(["--config", cfg, "run", "--node", me, "--", "hostname"], env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${hostname()}\n`);
    expect(r.code).toBe(0);
    const unknown = await cli(["--config", cfg, "run", "--node", "nope", "--", "true"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown node "nope"');
    expect(unknown.stderr).toContain(`${me}, far`);
  });
});
