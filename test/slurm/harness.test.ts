// Proves scripts/test-slurm.sh gives the tests a real Slurm on a test-cluster node: srun over SSH
// as cetest runs on the node and passes exit codes through, sbatch + scancel leave no process,
// finished jobs stay visible without slurmdbd, and stopping leaves nothing running.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { startSlurm, type TestSlurm } from "../helpers/slurm.ts";

const T = 60_000;
let c: TestCluster;
let s: TestSlurm;

async function pollUntil<V>(what: string, f: () => Promise<V | undefined>, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** JobState and ExitCode of a job from `scontrol -o show job` (no accounting database here). */
async function jobState(id: string): Promise<{ state: string; exit: string }> {
  const r = await s.ssh(`scontrol -o show job ${id}`);
  expect(r.code).toBe(0);
  return {
    state: /JobState=(\S+)/.exec(r.stdout)?.[1] ?? "",
    exit: /\bExitCode=(\S+)/.exec(r.stdout)?.[1] ?? "",
  };
}

describe("scripts/test-slurm.sh", () => {
  beforeAll(async () => {
    c = await startCluster(2);
    s = await startSlurm(c, "n1");
  }, T);

  afterAll(async () => {
    try {
      if (s) await s.stop();
    } finally {
      await c?.down();
    }
    // Nothing of this Slurm is left: no daemon names its directory.
    if (s) expect(await waitGone(s.dir)).toEqual([]);
  }, T);

  test(
    "srun over SSH as cetest runs on the node and passes the exit code through",
    async () => {
      const host = await s.ssh("srun -N1 hostname");
      expect(host.stderr).toBe("");
      expect(host).toMatchObject({ code: 0, stdout: "n1\n" });

      const three = await s.ssh("srun bash -c 'echo out; echo err >&2; exit 3'");
      expect(three.code).toBe(3);
      expect(three.stdout).toBe("out\n");
      // srun adds its own line to stderr for a failed task.
      expect(three.stderr).toContain("err\n");
      expect(three.stderr).toContain("srun: error: n1: task 0: Exited with exit code 3");

      // Killed by a signal: srun exits 128 + signal.
      const killed = await s.ssh("srun bash -c 'kill -9 $$'");
      expect(killed.code).toBe(137);
    },
    T,
  );

  test(
    "sinfo reports the node's CPUs in the format the sampler reads",
    async () => {
      const r = await s.ssh("sinfo -h -o '%n %C %O %e'");
      expect(r.code).toBe(0);
      // NAME allocated/idle/other/total CPU_LOAD FREE_MEM_MB
      expect(r.stdout).toMatch(/^n1 \d+\/\d+\/\d+\/\d+ [\d.]+ \d+\n$/);
      const total = Number(r.stdout.split(" ")[1]?.split("/")[3]);
      expect(total).toBeGreaterThan(0);
    },
    T,
  );

  test(
    "sbatch + scancel: the job's processes are gone and its state stays visible",
    async () => {
      const marker = uniqueSleep();
      const sub = await s.ssh(
        `cd /tmp && sbatch --parsable --job-name ce-harness --output /dev/null --wrap 'sleep ${marker}'`,
      );
      expect(sub.code).toBe(0);
      const id = sub.stdout.trim();
      expect(id).toMatch(/^\d+$/);

      await pollUntil("the job to run", async () =>
        (await s.ssh(`squeue -h -j ${id} -o %T`)).stdout.trim() === "RUNNING" &&
        liveProcesses(`sleep ${marker}`).length > 0
          ? true
          : undefined,
      );
      const cancel = await s.ssh(`scancel ${id}`);
      expect(cancel.code).toBe(0);
      expect(await waitGone(`sleep ${marker}`, 10_000)).toEqual([]);

      // Finished jobs leave plain squeue, stay in `squeue -t all` and `scontrol show job`.
      const st = await pollUntil("CANCELLED", async () => {
        const j = await jobState(id);
        return j.state === "CANCELLED" ? j : undefined;
      });
      // TERM ended it: as the signal (0:15), or as the batch shell's 128+15 when the shell got
      // its TERM before slurmstepd saw the step die (which comes first depends on the load).
      expect(["0:15", "143:0"]).toContain(st.exit);
      expect((await s.ssh(`squeue -h -j ${id} -o %T`)).stdout).toBe("");
      expect((await s.ssh(`squeue -h -t all -j ${id} -o %T`)).stdout).toBe("CANCELLED\n");
    },
    T,
  );

  test(
    "a finished batch job's exit code: scontrol show job and sacct -c (no slurmdbd)",
    async () => {
      const sub = await s.ssh("sbatch --parsable --output /dev/null --wrap 'exit 7'");
      expect(sub.code).toBe(0);
      const id = sub.stdout.trim();
      const st = await pollUntil("the job to end", async () => {
        const j = await jobState(id);
        return j.state === "FAILED" ? j : undefined;
      });
      expect(st.exit).toBe("7:0");

      const acct = await s.ssh(`sacct -j ${id}`);
      expect(acct.code).not.toBe(0);
      expect(acct.stderr).toContain("accounting storage is disabled");
      const comp = await s.ssh(`sacct -c -n -P -j ${id} -o jobid,state,exitcode`);
      expect(comp).toMatchObject({ code: 0, stdout: `${id}|FAILED|7:0\n` });
    },
    T,
  );

  test(
    "stop leaves the cluster up and nothing of Slurm running",
    async () => {
      await s.stop();
      expect(await waitGone(s.dir)).toEqual([]);
      const r = await s.ssh("hostname; command -v srun >/dev/null && timeout 5 sinfo");
      expect(r.stdout.startsWith("n1\n")).toBe(true);
      expect(r.code).not.toBe(0);
      // Up again on the same cluster works (the test's afterAll stops it once more).
      s = await startSlurm(c, "n1");
      expect((await s.ssh("srun hostname")).stdout).toBe("n1\n");
    },
    T,
  );
});
