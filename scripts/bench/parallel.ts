// parallel_execute fan-out: the main thread (fanOut over one runtime) vs K worker threads (each with
// its own runtime and SSH pool, fed one item at a time from a shared queue on the main thread).
// Brings up its own 3-node netns test cluster (root), measures inside its controller namespace,
// prints median wall time, jobs/s, client CPU and the workers/main ratio, warm and cold, tears down.
//   bun scripts/bench/parallel.ts [--warm-reps N] [--cold-reps N] [--workers 2,4] [--only NAME]
//                                 [--json] [--save FILE.json]
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../../src/config/load.ts";
import { fanOut } from "../../src/exec/fan-out.ts";
import type { RunResult } from "../../src/exec/result.ts";
import { createRuntime } from "../../src/run/runtime.ts";
import type { RunRequest } from "../../src/tasks/request.ts";
import { startCluster } from "../../test/helpers/cluster.ts";
import type { FromWorker, ToWorker } from "./parallel-worker.ts";

const REMOTE_NODES = ["n1", "n2", "n3"];
const BIG = "head -c 2000000 /dev/urandom | base64";

interface Workload {
  name: string;
  config: "local" | "remote";
  concurrency: number;
  reqs: RunRequest[];
  ok: (r: RunResult) => boolean;
}

function workloads(): Workload[] {
  const remote = (n: number, command: string): RunRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      command,
      node: REMOTE_NODES[i % REMOTE_NODES.length],
      requester: "mcp-stdio" as const,
    }));
  const echoOk = (r: RunResult) => r.exit_code === 0 && r.stdout === "x\n";
  return [
    {
      name: "local true ×200 c8",
      config: "local",
      concurrency: 8,
      reqs: Array.from({ length: 200 }, () => ({ command: "true", requester: "mcp-stdio" })),
      ok: (r) => r.exit_code === 0,
    },
    {
      name: "remote echo ×200 c8",
      config: "remote",
      concurrency: 8,
      reqs: remote(200, "echo x"),
      ok: echoOk,
    },
    {
      name: "remote echo ×200 c16",
      config: "remote",
      concurrency: 16,
      reqs: remote(200, "echo x"),
      ok: echoOk,
    },
    {
      name: "remote 2MB ×40 c8",
      config: "remote",
      concurrency: 8,
      reqs: remote(40, BIG),
      // 2.7 MB of base64 per run: capped to output_limit (head and tail kept).
      ok: (r) => r.exit_code === 0 && r.truncated && r.stdout.length > 500_000,
    },
  ];
}

/** One way of running a batch: same requests in, results in input order out. */
interface Runner {
  run(reqs: RunRequest[], concurrency: number): Promise<RunResult[]>;
  close(): Promise<void>;
}

function mainThread(config: Config): Runner {
  const rt = createRuntime(config);
  return {
    run: (reqs, concurrency) =>
      fanOut(reqs.length, concurrency, (i) => rt.run(reqs[i] as RunRequest)),
    close: () => rt.close(),
  };
}

interface Slot {
  worker: Worker;
  inFlight: number;
  waiter?: { type: FromWorker["type"]; resolve: () => void };
}

/** K workers; the main thread keeps the queue and hands the next item to the least busy worker. */
class WorkerFarm implements Runner {
  private seq = 0;
  private readonly pending = new Map<number, (r: RunResult) => void>();
  private readonly failure = new Set<(err: Error) => void>();

  private constructor(private readonly slots: Slot[]) {}

  static async start(k: number, config: Config): Promise<WorkerFarm> {
    const slots: Slot[] = Array.from({ length: k }, () => ({
      worker: new Worker(new URL("./parallel-worker.ts", import.meta.url)),
      inFlight: 0,
    }));
    const farm = new WorkerFarm(slots);
    for (const s of slots) {
      s.worker.onmessage = (ev: MessageEvent<FromWorker>) => farm.onMessage(s, ev.data);
      s.worker.onerror = (ev) => farm.fail(new Error(`worker error: ${ev.message}`));
    }
    await Promise.all(slots.map((s) => farm.control(s, { type: "init", config }, "ready")));
    return farm;
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === "result") {
      const done = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      slot.inFlight--;
      done?.(msg.result);
    } else if (msg.type === "error") {
      this.fail(new Error(`worker: ${msg.message}`));
    } else if (slot.waiter?.type === msg.type) {
      const w = slot.waiter;
      slot.waiter = undefined;
      w.resolve();
    }
  }

  private fail(err: Error): void {
    for (const f of this.failure) f(err);
  }

  private control(slot: Slot, msg: ToWorker, reply: FromWorker["type"]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.failure.add(reject);
      slot.waiter = {
        type: reply,
        resolve: () => {
          this.failure.delete(reject);
          resolve();
        },
      };
      slot.worker.postMessage(msg);
    });
  }

  run(reqs: RunRequest[], concurrency: number): Promise<RunResult[]> {
    return new Promise((resolve, reject) => {
      this.failure.add(reject);
      const results = new Array<RunResult>(reqs.length);
      let next = 0;
      let inFlight = 0;
      let done = 0;
      const pump = () => {
        while (inFlight < concurrency && next < reqs.length) {
          let slot = this.slots[0] as Slot;
          for (const s of this.slots) if (s.inFlight < slot.inFlight) slot = s;
          const i = next++;
          const id = this.seq++;
          slot.inFlight++;
          inFlight++;
          this.pending.set(id, (r) => {
            results[i] = r;
            inFlight--;
            if (++done < reqs.length) return pump();
            this.failure.delete(reject);
            resolve(results);
          });
          slot.worker.postMessage({
            type: "run",
            id,
            req: reqs[i] as RunRequest,
          } satisfies ToWorker);
        }
      };
      if (reqs.length === 0) resolve([]);
      else pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.control(s, { type: "close" }, "closed")));
    for (const s of this.slots) s.worker.terminate();
  }
}

interface Design {
  name: string;
  start(config: Config): Promise<Runner>;
}

interface Sample {
  wall_ms: number;
  cpu_ms: number;
  /** The main thread alone (its event loop serves MCP too): /proc/self/task/PID/stat, 10 ms ticks. */
  main_cpu_ms: number;
  failed: number;
}

interface Cell {
  workload: string;
  design: string;
  jobs: number;
  warm: Sample[];
  cold: Sample[];
  /** Workers only: new Worker → runtime created in every worker ("ready"), median over cold reps. */
  start_ms?: number;
}

interface Report {
  cores: number;
  loadavg_before: string;
  loadavg_after: string;
  warm_reps: number;
  cold_reps: number;
  cells: Cell[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const cpuMs = () => {
  const u = process.cpuUsage(); // whole process: the main thread and every worker thread
  return (u.user + u.system) / 1000;
};

const TICK_MS = 1000 / 100; // USER_HZ
const mainThreadCpuMs = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (#14, #15)
};

async function timed(runner: Runner, w: Workload, before = 0): Promise<Sample> {
  const cpu0 = cpuMs();
  const main0 = mainThreadCpuMs();
  const t0 = performance.now();
  const results = await runner.run(w.reqs, w.concurrency);
  const wall = performance.now() - t0 + before;
  const cpu = cpuMs() - cpu0;
  const mainCpu = mainThreadCpuMs() - main0;
  const failed = results.filter((r) => !r || !w.ok(r)).length;
  if (failed > 0) {
    const bad = results.find((r) => !r || !w.ok(r));
    console.error(
      `${w.name}: ${failed} failed, e.g. ${JSON.stringify({ ...bad, stdout: bad?.stdout.slice(0, 80) })}`,
    );
  }
  return { wall_ms: wall, cpu_ms: cpu, main_cpu_ms: mainCpu, failed };
}

/** Before timing: results must come back in input order (distinct outputs make it visible). */
async function checkOrder(runner: Runner, w: Workload): Promise<void> {
  const reqs = w.reqs.slice(0, 24).map((r, i) => ({ ...r, command: `echo ${i}` }));
  const results = await runner.run(reqs, w.concurrency);
  results.forEach((r, i) => {
    if (r.stdout !== `${i}\n`) throw new Error(`order broken at #${i}: ${JSON.stringify(r)}`);
  });
}

async function inner(configPath: string, opts: Options): Promise<Report> {
  const configs: Record<Workload["config"], Config> = {
    local: loadConfig({}), // no file, isolated HOME: the embedded default (this machine only)
    remote: loadConfig({ configPath }),
  };
  if (configs.local.source !== "embedded default")
    throw new Error(`local config is ${configs.local.source}, expected the embedded default`);
  const designs: Design[] = [
    { name: "main", start: async (c) => mainThread(c) },
    ...opts.workers.map((k) => ({
      name: `workers×${k}`,
      start: (c: Config) => WorkerFarm.start(k, c),
    })),
  ];
  // Pin the nodes' host keys once, so no design races on the first write of known_hosts.
  const pin = mainThread(configs.remote);
  await pin.run(
    REMOTE_NODES.map((node) => ({ command: "true", node, requester: "mcp-stdio" })),
    3,
  );
  await pin.close();

  const loadBefore = await Bun.file("/proc/loadavg").text();
  const cells: Cell[] = [];
  for (const w of workloads().filter((w) => !opts.only || w.name.includes(opts.only))) {
    const config = configs[w.config];
    const byDesign = new Map<string, Cell>();
    for (const d of designs)
      byDesign.set(d.name, {
        workload: w.name,
        design: d.name,
        jobs: w.reqs.length,
        warm: [],
        cold: [],
      });
    const rotate = (rep: number) =>
      designs.map((_, i) => designs[(i + rep) % designs.length] as Design);

    // Cold: everything new for each batch (runtime, SSH connections, and for workers the threads).
    const starts = new Map<string, number[]>();
    for (let rep = 0; rep < opts.coldReps; rep++) {
      for (const d of rotate(rep)) {
        const t0 = performance.now();
        const cpu0 = cpuMs();
        const runner = await d.start(config);
        const startMs = performance.now() - t0;
        const startCpu = cpuMs() - cpu0;
        const s = await timed(runner, w, startMs);
        s.cpu_ms += startCpu;
        await runner.close();
        byDesign.get(d.name)?.cold.push(s);
        if (d.name !== "main") starts.set(d.name, [...(starts.get(d.name) ?? []), startMs]);
      }
    }
    for (const [name, xs] of starts) {
      const cell = byDesign.get(name);
      if (cell) cell.start_ms = median(xs);
    }

    // Warm: one long-lived runner per design, warmed by one untimed batch, then timed batches.
    const runners = new Map<string, Runner>();
    for (const d of designs) {
      const r = await d.start(config);
      runners.set(d.name, r);
      await checkOrder(r, w);
      await r.run(w.reqs, w.concurrency);
    }
    for (let rep = 0; rep < opts.warmReps; rep++)
      for (const d of rotate(rep))
        byDesign.get(d.name)?.warm.push(await timed(runners.get(d.name) as Runner, w));
    for (const r of runners.values()) await r.close();

    cells.push(...byDesign.values());
    console.error(`done: ${w.name}`);
  }
  return {
    cores: navigator.hardwareConcurrency,
    loadavg_before: loadBefore.trim(),
    loadavg_after: (await Bun.file("/proc/loadavg").text()).trim(),
    warm_reps: opts.warmReps,
    cold_reps: opts.coldReps,
    cells,
  };
}

function printTable(r: Report): void {
  const head = [
    "workload".padEnd(22),
    "design".padEnd(11),
    "warm ms".padStart(8),
    "jobs/s".padStart(7),
    "cpu ms".padStart(7),
    "main%".padStart(6),
    "w/main".padStart(7),
    "cold ms".padStart(8),
    "jobs/s".padStart(7),
    "w/main".padStart(7),
    "start ms".padStart(9),
  ];
  console.log(head.join(" "));
  const byWorkload = new Map<string, Cell[]>();
  for (const c of r.cells) byWorkload.set(c.workload, [...(byWorkload.get(c.workload) ?? []), c]);
  for (const [name, cells] of byWorkload) {
    const main = cells.find((c) => c.design === "main");
    const med = (c: Cell | undefined, k: "warm" | "cold", f: keyof Sample) =>
      c ? median(c[k].map((s) => s[f])) : Number.NaN;
    for (const c of cells) {
      const warm = med(c, "warm", "wall_ms");
      const cold = med(c, "cold", "wall_ms");
      const failed = [...c.warm, ...c.cold].reduce((a, s) => a + s.failed, 0);
      console.log(
        [
          name.padEnd(22),
          c.design.padEnd(11),
          warm.toFixed(0).padStart(8),
          ((c.jobs / warm) * 1000).toFixed(0).padStart(7),
          med(c, "warm", "cpu_ms").toFixed(0).padStart(7),
          ((100 * med(c, "warm", "main_cpu_ms")) / warm).toFixed(0).padStart(6),
          (c === main ? "1" : (warm / med(main, "warm", "wall_ms")).toFixed(2)).padStart(7),
          cold.toFixed(0).padStart(8),
          ((c.jobs / cold) * 1000).toFixed(0).padStart(7),
          (c === main ? "1" : (cold / med(main, "cold", "wall_ms")).toFixed(2)).padStart(7),
          (c.start_ms === undefined ? "-" : c.start_ms.toFixed(0)).padStart(9),
          failed ? `  ${failed} FAILED` : "",
        ].join(" "),
      );
    }
  }
  console.log(
    `medians: warm over ${r.warm_reps} batches after one warm-up batch; cold over ${r.cold_reps} batches, ` +
      "each with a new runtime, new SSH connections and (workers) new threads, start included.\n" +
      "w/main = wall time ratio (< 1: workers faster). cpu ms = this process, all threads (sshd and " +
      `the commands run on the same ${r.cores} cores and are not counted); main% = main thread's CPU / wall.\n` +
      `loadavg before: ${r.loadavg_before}; after: ${r.loadavg_after}`,
  );
}

interface Options {
  warmReps: number;
  coldReps: number;
  workers: number[];
  only?: string;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inner: { type: "string" },
      "warm-reps": { type: "string", default: "5" },
      "cold-reps": { type: "string", default: "3" },
      workers: { type: "string", default: "2,4" },
      only: { type: "string" },
      json: { type: "boolean" },
      save: { type: "string" },
    },
  });
  const opts: Options = {
    warmReps: Number(values["warm-reps"]),
    coldReps: Number(values["cold-reps"]),
    workers: (values.workers ?? "2,4").split(",").map(Number),
    only: values.only,
  };
  if (values.inner) {
    const report = await inner(values.inner, opts);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const cluster = await startCluster(REMOTE_NODES.length);
  console.error(`test cluster ${cluster.id} up`);
  try {
    const home = join(cluster.dir, "bench-home");
    mkdirSync(home, { recursive: true });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (
        v !== undefined &&
        !k.startsWith("CLUSTER_") &&
        !k.startsWith("XDG_") &&
        k !== "AGENTIC_SYSTEM_PATH"
      )
        env[k] = v;
    Object.assign(env, {
      HOME: home, // no ~/.config/cluster-exec/cluster.toml: the local workload gets the embedded default
      CLUSTER_STATE_DIR: join(cluster.dir, "bench-state"),
      CLUSTER_MDNS_TIMEOUT: "0",
    });
    const p = Bun.spawn(
      [
        "ip",
        "netns",
        "exec",
        `${cluster.id}-ctl`,
        process.execPath,
        import.meta.path,
        `--inner=${cluster.configPath}`,
        `--warm-reps=${opts.warmReps}`,
        `--cold-reps=${opts.coldReps}`,
        `--workers=${opts.workers.join(",")}`,
        ...(opts.only ? [`--only=${opts.only}`] : []),
      ],
      { env, stdout: "pipe", stderr: "inherit" },
    );
    const out = await new Response(p.stdout).text();
    if ((await p.exited) !== 0)
      throw new Error(
        `bench failed inside the controller namespace (exit ${p.exitCode}, signal ${p.signalCode})`,
      );
    const report = JSON.parse(out.trim().split("\n").at(-1) as string) as Report;
    if (values.save) await Bun.write(values.save, JSON.stringify(report, null, 2));
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    return 0;
  } finally {
    await cluster.down();
  }
}

if (import.meta.main)
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
