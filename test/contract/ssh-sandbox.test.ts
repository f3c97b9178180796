// The executor contract against the ssh adapter inside the OS sandbox (bubblewrap on the node, run
// by an unprivileged user): output, exit codes, signals, timeout, cancel and leftover kills must be
// exactly as without it.
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

for (const level of ["system", "workspace"] as const)
  executorContract(
    `ssh, sandbox ${level}`,
    () => ({
      run: async (req) => {
        const a = await harness.run("n1", req);
        if (a.thrown || !a.outcome)
          throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
        return a as RunAnswer;
      },
    }),
    { base: { sandbox: { level, writable: [] } } },
  );
