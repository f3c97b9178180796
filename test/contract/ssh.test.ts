// The executor contract against the ssh adapter: a real sshd node of a netns test cluster, driven
// through the exec harness inside the controller namespace (only it can reach the nodes).
import { afterAll, beforeAll } from "bun:test";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { type Harness, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { executorContract } from "./executor-contract.ts";

let cluster: TestCluster;
let harness: Harness;

beforeAll(async () => {
  cluster = await startCluster(1);
  harness = startHarness(cluster, testEnv(cluster));
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await cluster?.down();
}, 60_000);

executorContract("ssh", () => ({
  run: async (req) => {
    const a = await harness.run("n1", req);
    if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
    return a as RunAnswer;
  },
}));
