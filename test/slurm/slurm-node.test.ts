// A kind = "slurm" node end to end, on a real one-node Slurm inside a netns test-cluster node (the
// submit host, reached over SSH like any node): foreground runs through srun (streamed, exit code,
// timeout and Ctrl-C scancel the job), background tasks through sbatch (over MCP, surviving the
// server and the runner), cluster-status against sinfo, routing to the partition when the SSH
// nodes are busy — and the executor contract suite against the slurm adapter (in this file so that
// the cluster and its Slurm are started once).
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { StatusReport } from "../../src/cluster/report.ts";
import type { RunResult } from "../../src/exec/result.ts";
import type { RouteDecision } from "../../src/routing/types.ts";
import { executorContract } from "../contract/executor-contract.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, type Harness, inCtl, startHarness, testEnv } from "../helpers/ctl-harness.ts";
import type { RunAnswer } from "../helpers/exec-record.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { startSlurm, type TestSlurm, writeSlurmConfig } from "../helpers/slurm.ts";
import { eventually } from "../tasks/helpers.ts";

const T = 60_000;
let c: TestCluster;
let s: TestSlurm;
let config: string;
let env: Record<string, string>;
let harness: Harness;
const markers: string[] = [];

beforeAll(async () => {
  c = await startCluster(2);
  s = await startSlurm(c, "n1");
  config = writeSlurmConfig(s);
  // One-shot verbs sample every node before routing; on a loaded machine that takes a while.
  env = testEnv(c, { CLUSTER_STATUS_TIMEOUT: "20" });
  harness = startHarness({ ...c, configPath: config }, testEnv(c));
}, 90_000);

afterAll(async () => {
  await harness?.close();
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  try {
    await s?.stop();
  } finally {
    await c?.down();
  }
}, T);

const run = (args: string[], extra: Record<string, string> = {}) =>
  cli(c, args, { ...env, ...extra }, { configPath: config });

function marker(): string {
  const m = uniqueSleep().replace(/^600/, "90");
  markers.push(m);
  return m;
}

/** Jobs of the test user Slurm still has queued or running. */
async function liveJobs(): Promise<string> {
  const r = await s.ssh("squeue -h -u cetest -o '%i %j %T'");
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("foreground runs on a Slurm partition (srun)", () => {
  test(
    "output streams as it comes, srun's lines are gone, the exit code is the command's, the route names the job",
    async () => {
      const proc = inCtl(
        c,
        [
          process.execPath,
          CLI,
          "--config",
          config,
          "run",
          "--node",
          "hpc",
          "--",
          "echo first; sleep 2; echo second; echo oops >&2; exit 3",
        ],
        env,
      );
      const started = performance.now();
      let firstAt = 0;
      let out = "";
      for await (const chunk of proc.stdout) {
        out += new TextDecoder().decode(chunk);
        if (!firstAt && out.includes("first")) firstAt = performance.now();
      }
      const err = await new Response(proc.stderr).text();
      const code = await proc.exited;
      const endedAt = performance.now();
      expect(code).toBe(3);
      expect(out).toBe("first\nsecond\n");
      expect(err).toBe("oops\n");
      // "first" was printed while the job was still sleeping, not relayed at the end.
      expect(firstAt).toBeGreaterThan(started);
      expect(endedAt - firstAt).toBeGreaterThan(1500);

      const json = await run(["run", "--json", "--node", "hpc", "--", "kill -TERM $$"]);
      expect(json.code).toBe(143);
      const r = JSON.parse(json.stdout) as RunResult;
      expect(r).toMatchObject({ node: "hpc", exit_code: null, signal: "SIGTERM", stderr: "" });
      expect(r.route.job).toMatchObject({ scheduler: "slurm", partition: "debug" });
      expect(r.route.job?.job_id).toMatch(/^\d+$/);
      expect(r.route.reason).toContain(
        `Ran as Slurm job ${r.route.job?.job_id} in partition debug`,
      );
    },
    T,
  );

  test(
    "a timeout scancels the job: nothing of it is left, in Slurm or on the node",
    async () => {
      const m = marker();
      const r = await run([
        "run",
        "--json",
        "--node",
        "hpc",
        "--timeout",
        "2",
        "--",
        `echo started; sleep ${m} & sleep ${m}; echo never`,
      ]);
      expect(r.code).toBe(124);
      const result = JSON.parse(r.stdout) as RunResult;
      expect(result).toMatchObject({ timed_out: true, canceled: false, stdout: "started\n" });
      expect(await waitGone(m, 10_000)).toEqual([]);
      expect(await liveJobs()).toBe("");
      const state = await s.ssh(`scontrol -o show job ${result.route.job?.job_id}`);
      expect(state.stdout).not.toMatch(/JobState=(RUNNING|PENDING)/);
    },
    T,
  );

  test(
    "Ctrl-C on `run` cancels the job the same way",
    async () => {
      const m = marker();
      const proc = inCtl(
        c,
        [
          process.execPath,
          CLI,
          "--config",
          config,
          "run",
          "--node",
          "hpc",
          "--",
          `echo ready; sleep ${m}`,
        ],
        env,
      );
      let out = "";
      for await (const chunk of proc.stdout) {
        out += new TextDecoder().decode(chunk);
        if (out.includes("ready")) break;
      }
      expect(liveProcesses(m).length).toBeGreaterThan(0);
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      expect(await waitGone(m, 10_000)).toEqual([]);
      expect(await liveJobs()).toBe("");
    },
    T,
  );
});

describe("background tasks on a Slurm partition (sbatch)", () => {
  const stateDir = () => env.CLUSTER_STATE_DIR as string;
  async function mcp(): Promise<Client> {
    const transport = new StdioClientTransport({
      command: "ip",
      args: ["netns", "exec", `${c.id}-ctl`, process.execPath, CLI, "--config", config, "mcp"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
      stderr: "ignore",
    });
    const client = new Client({ name: "slurm-test", version: "1" });
    await client.connect(transport);
    return client;
  }
  const call = async (client: Client, name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return r.structuredContent as Record<string, unknown>;
  };
  const row = (id: string) => {
    const db = new Database(join(stateDir(), "state.db"), { readonly: true });
    try {
      return db.query("SELECT runner_pid, job FROM tasks WHERE id = ?").get(id) as {
        runner_pid: number;
        job: string | null;
      };
    } finally {
      db.close();
    }
  };

  test(
    "an sbatch task ends succeeded with its output, though its server and its runner died meanwhile",
    async () => {
      let client = await mcp();
      const started = await call(client, "offload_to", {
        command: "echo begin; sleep 3; echo done; echo note >&2",
        node_id: "hpc",
        background: true,
      });
      const id = started.task_id as string;
      expect(started.node).toBe("hpc");
      // The job id is in the task row as soon as sbatch answered.
      const job = await eventually(() => row(id).job ?? undefined, 20_000, "the job in the row");
      expect(JSON.parse(job)).toMatchObject({ scheduler: "slurm", partition: "debug" });
      // The MCP server goes away, and so does the task's runner (a crash, a reboot): the job runs on.
      await client.close();
      process.kill(row(id).runner_pid, "SIGKILL");

      client = await mcp();
      try {
        const waited = await call(client, "task_wait", { task_id: id, timeout_seconds: 40 });
        expect(waited).toMatchObject({
          state: "succeeded",
          exit_code: 0,
          stdout: "begin\ndone\n",
          stderr: "note\n",
        });
        const route = waited.route as { reason: string; job: { job_id: string; state: string } };
        expect(route.job.state).toBe("COMPLETED");
        expect(route.reason).toContain("followed to its end by a new one");
        const page = await call(client, "task_output", { task_id: id });
        expect(page).toMatchObject({ chunk: "begin\ndone\n", eof: true });
        // Its output files on the submit host were removed once read to the end.
        const left = await s.ssh(`ls ~/.cluster-exec/slurm/ | grep -c ${id} || true`);
        expect(left.stdout.trim()).toBe("0");
      } finally {
        await client.close();
      }
    },
    T,
  );

  test(
    "task_cancel and a task's timeout scancel its job",
    async () => {
      const m = marker();
      const t = marker();
      const [sub, late] = await Promise.all([
        run(["submit", "--node", "hpc", "--", `echo up; sleep ${m}`]),
        run(["submit", "--node", "hpc", "--timeout", "4", "--", `echo up; sleep ${t}`]),
      ]);
      expect([sub.code, late.code]).toEqual([0, 0]);
      const id = sub.stdout.trim();
      await eventually(() => (liveProcesses(m).length > 0 ? true : undefined), 20_000, "the job");
      const client = await mcp();
      try {
        const canceled = await call(client, "task_cancel", { task_id: id });
        expect(canceled).toMatchObject({ state: "canceled", canceled: true });
      } finally {
        await client.close();
      }
      expect(await waitGone(m, 10_000)).toEqual([]);
      const waited = await run(["wait", late.stdout.trim(), "--timeout", "40"]);
      expect(waited.code).toBe(124);
      expect(waited.stdout).toBe("up\n");
      expect(await waitGone(t, 10_000)).toEqual([]);
      expect(await liveJobs()).toBe("");
    },
    T,
  );
});

describe("the partition as a node", () => {
  test(
    "cluster-status shows its CPU totals and queue as sinfo does",
    async () => {
      const r = await run(["cluster-status", "--json"]);
      expect(r.code).toBe(0);
      const hpc = (JSON.parse(r.stdout) as StatusReport).nodes.hpc;
      const sinfo = await s.ssh("sinfo -h -p debug -o %C");
      const [alloc, idle, other, total] = sinfo.stdout.trim().split("/").map(Number);
      expect(hpc).toMatchObject({
        kind: "slurm",
        status: "healthy",
        cores: total,
        method: "sinfo",
      });
      expect(hpc?.slurm).toMatchObject({
        partition: "debug",
        cpus_allocated: alloc,
        cpus_idle: idle,
        cpus_other: other,
        cpus_total: total,
        jobs_pending: 0,
      });
      const table = await run(["cluster-status"]);
      expect(table.stdout).toMatch(
        new RegExp(
          `hpc +healthy .* partition debug: ${alloc}/${total} CPUs allocated, ${idle} idle`,
        ),
      );
    },
    T,
  );

  test(
    "with the SSH nodes busy, heavy work goes to the partition and the reason says why",
    async () => {
      const busy = { load1: 9, cpuBusyPercent: 95, memTotalKb: 8_000_000, memAvailKb: 6_000_000 };
      await c.setLoad("n1", busy);
      await c.setLoad("n2", busy);
      // A state directory of its own: no sample from before the fake load is reused.
      const fresh = { CLUSTER_STATE_DIR: join(c.dir, "state-busy") };
      const r = await run(["route", "--json", "make -j2"], fresh);
      const d = JSON.parse(r.stdout) as RouteDecision;
      expect(d).toMatchObject({ decision: "remote", node: "hpc" });
      expect(d.reason).toContain("no SSH node is free (n1: ");
      expect(d.reason).toContain("load 9 > 4");
      expect(d.reason).toContain("so it goes to the Slurm partition debug of hpc");

      const ran = await run(
        ["run", "--json", "--", "make --version >/dev/null 2>&1; echo on $SLURM_JOB_PARTITION"],
        fresh,
      );
      const result = JSON.parse(ran.stdout) as RunResult;
      expect(result).toMatchObject({ node: "hpc", exit_code: 0, stdout: "on debug\n" });
      expect(result.route.job?.job_id).toMatch(/^\d+$/);
    },
    T,
  );

  test(
    "a partition whose submit host is this machine: srun and sinfo run here, no SSH",
    async () => {
      // Run inside the Slurm node itself (its namespaces, as root): the node has no host.
      const local = join(c.dir, "local-submit.toml");
      writeFileSync(
        local,
        `[defaults]\nstate_dir = "${join(c.dir, "state-local")}"\nmdns_timeout = 0\nstatus_timeout = 20\n[nodes.hpcl]\nkind = "slurm"\npartition = "debug"\n`,
      );
      const cmd = (...args: string[]) =>
        s.exec([process.execPath, CLI, "--config", local, ...args]);
      const ran = await cmd(
        "run",
        "--json",
        "--node",
        "hpcl",
        "--",
        "echo $SLURM_JOB_PARTITION; exit 5",
      );
      expect(ran.code).toBe(5);
      const r = JSON.parse(ran.stdout) as RunResult;
      expect(r).toMatchObject({ node: "hpcl", stdout: "debug\n", exit_code: 5 });
      expect(r.route.job?.job_id).toMatch(/^\d+$/);
      const st = JSON.parse((await cmd("cluster-status", "--json")).stdout) as StatusReport;
      expect(st.nodes.hpcl).toMatchObject({
        kind: "slurm",
        status: "healthy",
        method: "sinfo",
        slurm: { partition: "debug", submit_host: "localhost" },
      });
    },
    T,
  );
});

/** Where the Slurm adapter cannot have the contract's semantics (README, Slurm section). */
const SLURM_NOT_APPLICABLE: Record<string, string> = {
  "leftovers of the group are killed once the shell exits":
    "the job step, not cluster-exec, owns the task's processes: with proctrack/cgroup (usual on clusters) Slurm kills leftovers when the step ends; with proctrack/linuxproc (this test Slurm) a backgrounded child is reparented out of the step, survives, and srun waits ~60 s for its stdout to close",
};

executorContract(
  "slurm (srun through the submit host's ssh executor)",
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
