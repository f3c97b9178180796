// No run outlives its owner: a background runner killed with SIGKILL leaves its remote command
// running (closing an SSH connection kills nothing); the next sweep kills the command's process
// group on the node, recorded in the task row, and marks the task interrupted.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { cli, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep } from "../helpers/procs.ts";
import { eventually } from "./helpers.ts";

const T = 60_000;
let c: TestCluster;
let env: Record<string, string>;
let sshConfig: string;
const marker = uniqueSleep();

beforeAll(async () => {
  c = await startCluster(1);
  env = testEnv(c);
  // ssh resolves the node's name itself (the product's address chain is ssh2's): tell it n1.local.
  sshConfig = join(c.dir, "ssh_config_local");
  writeFileSync(sshConfig, "Host n1.local\n  HostName 10.250.0.11\n");
}, T);

afterAll(async () => {
  for (const line of liveProcesses(marker)) {
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {}
  }
  await c?.down();
}, T);

// The group is recorded by either transport's executor (the sweep reaches the node over ssh2).
test.each(["ssh2", "openssh"])(
  "SIGKILL the runner of a remote sleep (%s): within one sweep the remote group is gone, the task interrupted with the kill recorded",
  async (transport) => {
    const sub = await cli(
      c,
      ["submit", "--node", "n1", "--", `sleep ${marker} & sleep ${marker}`],
      { ...env, CLUSTER_SSH_TRANSPORT: transport, CLUSTER_SSH_CONFIG: sshConfig },
    );
    expect(sub.code).toBe(0);
    const id = sub.stdout.trim();
    const sleeps = () => liveProcesses(marker).filter((l) => l.split(" ")[2] === "sleep");
    await eventually(() => (sleeps().length === 2 ? true : undefined), 20_000, "remote sleeps");
    const status = async () =>
      JSON.parse((await cli(c, ["status", "--json", id], env)).stdout) as {
        state: string;
        error?: { code: string; message: string };
        process_group?: { pgid: number; node: string | null; kill?: string };
      };
    // The group is in the row as soon as the command started.
    const before = await status();
    expect(before.state).toBe("running");
    expect(before.process_group?.node).toBe("n1");
    const pgid = before.process_group?.pgid as number;

    const runner = liveProcesses(`__run-task ${id}`);
    expect(runner).toHaveLength(1);
    process.kill(Number(runner[0]?.split(" ")[0]), "SIGKILL");
    await eventually(
      () => (liveProcesses(`__run-task ${id}`).length === 0 ? true : undefined),
      5000,
      "the runner's death",
    );
    // Its command does not die with it.
    await Bun.sleep(300);
    expect(sleeps()).toHaveLength(2);

    // One sweep: `status` notices the dead runner, kills the group on n1, then marks the task.
    const after = await status();
    expect(sleeps()).toEqual([]);
    expect(after.state).toBe("interrupted");
    expect(after.error?.code).toBe("TASK_INTERRUPTED");
    expect(after.process_group).toEqual({
      pgid,
      node: "n1",
      kill: `process group ${pgid} on n1 was killed (TERM, then KILL after 2 s if still alive)`,
    });
    expect(after.error?.message).toContain(`process group ${pgid} on n1 was killed`);
  },
  T,
);
