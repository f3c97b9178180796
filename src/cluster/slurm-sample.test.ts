import { describe, expect, test } from "bun:test";
import { fakePartition } from "../../test/fixtures/routing.ts";
import type { Config } from "../config/load.ts";
import { healthOf } from "./health.ts";
import { statusReport, statusTable } from "./report.ts";
import { parseSlurmSample } from "./slurm-sample.ts";
import { buildView } from "./view.ts";

const T = { cpu_threshold: 40, load_threshold: 4, memory_threshold: 80 };
const sinfo = (lines: string, pending = 2) =>
  `@@sinfo\n${lines}\n@@running\n1\n@@pending\n${pending}\n@@os\nLinux\n@@arch\naarch64\n@@hostname\nlogin1\n`;

describe("a partition as a load sample", () => {
  test("cores are its CPUs, CPU% the allocated share, load the nodes' summed load", () => {
    const s = parseSlurmSample("batch", sinfo("c1|6/2/0/8|7.5|2000|8000|gpu|mixed|up"));
    expect(s).toMatchObject({
      os: "linux",
      arch: "arm64",
      cores: 8,
      cpu_percent: 75,
      load_1m: 7.5,
      memory_percent: 75,
      mem_total: 8000 * 1024 * 1024,
    });
    expect(s.slurm?.cpus_idle).toBe(2);
  });

  test("health is Slurm's, not the SSH thresholds: busy only without idle CPUs", () => {
    const loaded = parseSlurmSample("batch", sinfo("c1|6/2/0/8|70|2000|8000|(null)|mixed|up"));
    expect(healthOf({ sample: loaded, failures: 0 }, T)).toEqual({
      health: "healthy",
      reasons: [],
    });
    const full = parseSlurmSample("batch", sinfo("c1|8/0/0/8|1|2000|8000|(null)|allocated|up", 9));
    expect(healthOf({ sample: full, failures: 0 }, T)).toEqual({
      health: "degraded",
      reasons: ["no idle CPUs (8/8 allocated, 9 pending)"],
    });
  });

  test("a partition that takes no job is unreachable, with the reason", () => {
    const down = parseSlurmSample("batch", sinfo("c1|0/0/8/8|0|0|8000|(null)|down*|up"));
    expect(healthOf({ sample: down, failures: 0 }, T)).toEqual({
      health: "unreachable",
      reasons: ["partition batch has no usable node (1 down, drained or failing)"],
    });
    const off = parseSlurmSample("batch", sinfo("c1|0/8/0/8|0|0|8000|(null)|idle|inact"));
    expect(healthOf({ sample: off, failures: 0 }, T).reasons).toEqual(["partition batch is inact"]);
    const ok = parseSlurmSample("batch", sinfo("c1|0/8/0/8|0|0|8000|(null)|idle|up"));
    expect(healthOf({ sample: ok, failures: 0, cpusPerTask: 16 }, T).reasons[0]).toContain(
      "cpus_per_task 16 > 8 CPUs of the largest node of partition batch",
    );
  });

  test("cluster-status shows it like a node, with its CPU totals and queue", () => {
    const p = fakePartition({
      name: "hpc",
      cpusIdle: 3,
      cpusTotal: 16,
      pending: 5,
      features: ["gpu"],
    });
    const v = buildView({
      node: p.config,
      sample: { ...(p.sample as NonNullable<typeof p.sample>), method: "sinfo" },
      isLocal: false,
      running: 0,
      now: 1_700_000_000_000,
      settings: { ...T, sample_interval: 5 } as unknown as Config["settings"],
    });
    const report = statusReport([v], 1_700_000_000_000);
    expect(report.nodes.hpc).toMatchObject({
      kind: "slurm",
      status: "healthy",
      cores: 16,
      capabilities: ["gpu"],
      slurm: { cpus_idle: 3, cpus_total: 16, jobs_pending: 5, submit_host: "login.example" },
    });
    const table = statusTable(report);
    expect(table).toContain("partition batch: 13/16 CPUs allocated, 3 idle; 0 running, 5 pending");
    expect(table).toContain("submit: login.example");
  });
});
