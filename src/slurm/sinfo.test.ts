import { describe, expect, test } from "bun:test";
import { parsePoll } from "./poll.ts";
import { parseSinfo, sinfoScript } from "./sinfo.ts";

const out = (sinfo: string, running = 1, pending = 3) =>
  `@@sinfo\n${sinfo}\n@@running\n       ${running}\n@@pending\n${pending}\n@@os\nLinux\n@@arch\nx86_64\n@@hostname\nlogin1\n`;

describe("sinfo of a partition", () => {
  test("CPUs, load, memory, features of usable nodes, the queue", () => {
    const p = parseSinfo(
      "batch",
      out(
        [
          "c1|4/0/0/4|3.90|1000|8000|gpu,a100|allocated|up",
          "c2|1/3/0/4|1.00|6000|8000|gpu|mixed|up",
          "c3|0/0/8/8|N/A|N/A|16000|bigmem|down*|up",
          "c2|1/3/0/4|1.00|6000|8000|gpu|mixed|up",
        ].join("\n"),
      ),
    );
    expect(p).toMatchObject({ hostname: "login1", os: "Linux", arch: "x86_64" });
    expect(p.partition).toEqual({
      partition: "batch",
      available: "up",
      nodes: 3,
      nodes_usable: 2,
      cpus_allocated: 5,
      cpus_idle: 3,
      cpus_other: 8,
      cpus_total: 16,
      max_node_cpus: 8,
      cpu_load: 4.9,
      mem_total_mb: 32000,
      mem_free_mb: 7000,
      features: ["a100", "gpu"],
      jobs_running: 1,
      jobs_pending: 3,
    });
  });
  test("the real format of the test cluster (no features, memory 1 MB)", () => {
    const p = parseSinfo("debug", out("n1|0/2/0/2|15.11|20075|1|(null)|idle|up", 0, 0)).partition;
    expect(p).toMatchObject({ cpus_idle: 2, cpus_total: 2, features: [], nodes_usable: 1 });
  });
  test("a failed sinfo or an empty partition is an error naming it", () => {
    expect(() =>
      parseSinfo(
        "nope",
        out("sinfo: error: Invalid partition name specified\n@@failed sinfo exited 1"),
      ),
    ).toThrow("sinfo -p nope failed: sinfo: error: Invalid partition name specified");
    expect(() => parseSinfo("empty", out(""))).toThrow("partition empty has no nodes");
  });
  test("the script quotes the partition", () => {
    expect(sinfoScript("a'b")).toContain("-p 'a'\\''b'");
  });
});

describe("a batch job's poll", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  test("state, then exactly the announced bytes of stdout and stderr", () => {
    const r = parsePoll(
      enc("@@state\nJobId=9 JobState=RUNNING Reason=None ExitCode=0:0\n@@data 6 2\nhello\nE\n"),
    );
    expect(r.status).toMatchObject({ state: "RUNNING", final: false });
    expect(new TextDecoder().decode(r.stdout)).toBe("hello\n");
    expect(new TextDecoder().decode(r.stderr)).toBe("E\n");
  });
  test("a job the controller forgot: sacct's record, or none at all", () => {
    const gone = parsePoll(
      enc(
        "@@state\nslurm_load_jobs error: Invalid job id specified\n@@sacct\n9|COMPLETED|0:0|None\n@@data 0 0\n",
      ),
    );
    expect(gone.status).toMatchObject({ state: "COMPLETED", final: true });
    const unknown = parsePoll(
      enc(
        "@@state\nslurm_load_jobs error: Invalid job id specified\n@@sacct\nsacct: error: accounting storage is disabled\n@@data 0 0\n",
      ),
    );
    expect(unknown.status).toBeUndefined();
    expect(unknown.forgotten).toBe(true);
    expect(unknown.stateText).toContain("accounting storage is disabled");
    const down = parsePoll(
      enc(
        "@@state\nslurm_load_jobs error: Unable to contact slurm controller (connect failure)\n@@sacct\n\n@@data 0 0\n",
      ),
    );
    expect(down).toMatchObject({ forgotten: false });
  });
  test("output cut short is an error, not a silent loss", () => {
    expect(() => parsePoll(enc("@@state\nJobState=RUNNING\n@@data 10 0\nabc"))).toThrow(
      "cut short",
    );
  });
});
