// The executor contract against the openssh adapter: `ssh` over a ControlMaster to a real sshd
// node of a netns test cluster (Host alias from the cluster's ssh_config), driven through the exec
// harness inside the controller namespace.
import { afterAll, beforeAll, expect } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { type Harness, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { executorContract } from "./executor-contract.ts";

let cluster: TestCluster;
let harness: Harness;

beforeAll(async () => {
  cluster = await startCluster(1);
  const configPath = join(cluster.dir, "openssh.toml");
  writeFileSync(
    configPath,
    `[defaults]\ntransport = "openssh"\nssh_config = "${join(cluster.dir, "ssh_config")}"\n\n[nodes.n1]\nhost = "n1"\n`,
  );
  harness = startHarness({ ...cluster, configPath }, testEnv(cluster));
  const stats = await harness.stats("n1");
  expect(stats.transport?.transport).toBe("openssh");
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await cluster?.down();
}, 60_000);

executorContract("openssh", () => ({
  run: async (req) => {
    const a = await harness.run("n1", req);
    if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
    return a as RunAnswer;
  },
}));
