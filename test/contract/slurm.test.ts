// The executor contract against the slurm adapter in the foreground (srun through the submit
// host's ssh executor): a real one-node Slurm inside a netns test-cluster node, driven through the
// exec harness in the controller namespace.
import { afterAll, beforeAll } from "bun:test";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { type Harness, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { startSlurm, type TestSlurm, writeSlurmConfig } from "../helpers/slurm.ts";
import { executorContract } from "./executor-contract.ts";

let cluster: TestCluster;
let slurm: TestSlurm;
let harness: Harness;

beforeAll(async () => {
  cluster = await startCluster(1);
  slurm = await startSlurm(cluster, "n1");
  const config = writeSlurmConfig(slurm);
  harness = startHarness({ ...cluster, configPath: config }, testEnv(cluster));
}, 90_000);

afterAll(async () => {
  await harness?.close();
  try {
    await slurm?.stop();
  } finally {
    await cluster?.down();
  }
}, 60_000);

/** Where the Slurm adapter cannot have the contract's semantics (README, Slurm section). */
export const SLURM_NOT_APPLICABLE: Record<string, string> = {
  "leftovers of the group are killed once the shell exits":
    "the job step, not cluster-exec, owns the task's processes: with proctrack/cgroup (usual on clusters) Slurm kills leftovers when the step ends; with proctrack/linuxproc (this test Slurm) a backgrounded child is reparented out of the step, survives, and srun waits ~60 s for its stdout to close",
};

executorContract(
  "slurm (srun)",
  () => ({
    run: async (req) => {
      const a = await harness.run("hpc", req);
      if (a.thrown || !a.outcome) throw new Error(`harness: ${a.thrown?.message ?? "no outcome"}`);
      return a as RunAnswer;
    },
  }),
  // 20 one-CPU jobs on the test partition's 2 CPUs queue in ~10 waves (~12 s): the queue counts
  // toward a run's timeout.
  { notApplicable: SLURM_NOT_APPLICABLE, timeoutMs: 25_000 },
);
