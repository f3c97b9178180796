// The slurm executor: a Slurm partition behind the one executor interface. It owns no transport:
// every Slurm command (srun, sbatch, scancel, a job's poll) runs through the submit host's executor
// — ssh, openssh or local — which the composition root (run/for-node.ts) hands in.
import type { NodeConfig } from "../config/load.ts";
import type { Executor } from "../exec/executor.ts";
import { notStartedOutcome } from "../exec/result.ts";
import { runBatch } from "./batch.ts";
import { runSrun, type SlurmTarget } from "./srun.ts";

export interface SlurmExecutorOptions {
  /** Bound on a short command on the submit host (scancel, a poll), in ms. */
  answerMs: number;
  /** Close the submit host's executor with this one (it was made for it). */
  ownsHost?: boolean;
}

/** RunSpec.batch set (a background task): sbatch and watch; otherwise srun in the foreground. */
export function createSlurmExecutor(
  node: NodeConfig,
  host: Executor,
  opts: SlurmExecutorOptions,
): Executor {
  if (node.kind !== "slurm" || !node.partition)
    throw new Error(`node ${node.name} is not a slurm node with a partition`);
  const target: SlurmTarget = { node, host, answerMs: opts.answerMs };
  return {
    run: async (spec, signal) => {
      // The sandbox lines run where the command starts, and a job starts on a compute node: a
      // sandbox asked for here is refused (routing already says so), never dropped.
      if (spec.sandbox)
        return notStartedOutcome(0, {
          code: "SANDBOX_UNAVAILABLE",
          message: `node ${node.name} runs its jobs on Slurm compute nodes, which the sandbox does not reach; nothing ran`,
        });
      return spec.batch ? runBatch(target, spec, signal) : runSrun(target, spec, signal);
    },
    close: async () => {
      if (opts.ownsHost) await host.close();
    },
  };
}
