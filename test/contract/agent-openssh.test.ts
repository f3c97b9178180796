// The executor contract against the resident agent reached over OpenSSH: one `ssh` session over
// the node's ControlMaster carries the agent's channel (stdin and stdout of that session).
import { afterAll, beforeAll, expect } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { installSourceAgent } from "../helpers/agent-binary.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { type Harness, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { executorContract } from "./executor-contract.ts";

let cluster: TestCluster;
let harness: Harness;

beforeAll(async () => {
  cluster = await startCluster(1);
  const configPath = join(cluster.dir, "openssh-agent.toml");
  writeFileSync(
    configPath,
    `[defaults]\ntransport = "openssh"\nssh_config = "${join(cluster.dir, "ssh_config")}"\n\n[nodes.n1]\nhost = "n1"\nbinary_path = "${installSourceAgent(cluster, "n1")}"\n`,
  );
  harness = startHarness({ ...cluster, configPath }, testEnv(cluster), { agents: true });
  const started = await harness.agent("n1");
  expect(started.agent?.state).toBe("up");
  expect(started.agent?.detail).toContain("over one openssh channel");
}, 90_000);

afterAll(async () => {
  await harness?.close();
  await cluster?.down();
}, 60_000);

executorContract("agent over openssh", () => ({
  run: async (req) => {
    const a = await harness.run("n1", req);
    if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
    return a as RunAnswer;
  },
}));
