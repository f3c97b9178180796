// Test helper: a real multi-node SSH cluster made of network namespaces (scripts/test-cluster.sh).
// Needs root. Each cluster has its own short id, so test files running in parallel never collide.
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CtlOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

export interface LoadFake {
  load1: number;
  load5?: number;
  load15?: number;
  memTotalKb?: number;
  memAvailKb?: number;
  cpuBusyPercent?: number;
}

export interface TestCluster {
  id: string;
  dir: string;
  configPath: string;
  nodes: string[];
  keyPath: string;
  /** Runs args inside the controller namespace (`ip netns exec ID-ctl ...`). */
  ctl(args: string[], opts?: CtlOptions): Promise<ExecResult>;
  /** Runs args inside a node's network namespace (host's hostname and /proc, not the faked ones). */
  nodeExec(node: string, args: string[]): Promise<ExecResult>;
  /** Runs scripts/test-cluster.sh VERB ARGS with this cluster's env; throws with stderr on failure. */
  script(verb: string, ...args: string[]): Promise<void>;
  /** Rewrites the node's fake /proc files in place (seen by every command run through its sshd). */
  setLoad(node: string, f: LoadFake): Promise<void>;
  down(): Promise<void>;
}

export const SCRIPT_PATH = join(import.meta.dir, "..", "..", "scripts", "test-cluster.sh");

const live = new Set<string>(); // ids of clusters not yet torn down, for the exit hook

function scriptEnv(id: string, dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.CE_CLUSTER_ID = id;
  env.CE_CLUSTER_DIR = dir;
  return env;
}

/**
 * This machine's environment without the program's own settings: a developer's CLUSTER_SSH_USER
 * (or any CLUSTER_*, AGENTIC_SYSTEM_PATH) would otherwise beat the test cluster's configuration.
 */
function hermeticEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (
      v !== undefined &&
      (!k.startsWith("CLUSTER_") || k === "CLUSTER_NO_DAEMON") &&
      k !== "AGENTIC_SYSTEM_PATH"
    )
      env[k] = v;
  return env;
}

async function run(argv: string[], opts: CtlOptions = {}, baseEnv?: Record<string, string>) {
  const env: Record<string, string> = { ...(baseEnv ?? hermeticEnv()) };
  Object.assign(env, opts.env ?? {});
  const proc = Bun.spawn(argv, {
    env,
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, killSignal: "SIGKILL" } : {}),
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  return { code: proc.exitCode, stdout, stderr } satisfies ExecResult;
}

function randomId(): string {
  // 't' + 3 base36 chars: 46,656 ids, ≤ 4 chars as the script requires.
  const n = Math.floor(Math.random() * 36 ** 3);
  return `t${n.toString(36).padStart(3, "0")}`;
}

/** Overwrites a file in place (same inode: it is bind-mounted over /proc/... inside the node).
 * Writes first, then trims, so a concurrent reader never sees an empty file. */
function writeInPlace(path: string, text: string): void {
  const buf = Buffer.from(text);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, buf, 0, buf.length, 0);
    ftruncateSync(fd, buf.length);
  } finally {
    closeSync(fd);
  }
}

// USER_HZ ticks per CPU added to the fake /proc/stat on every rewrite.
const TICKS_PER_STEP = 100;
const STEP_MS = 50;
// Large base so the counters keep a constant width (10 digits) for years: in-place rewrites then
// never change the file length.
const COUNTER_BASE = 1_000_000_000;

interface CpuFake {
  busyPercent: number;
  busy: number; // cumulative busy ticks per CPU
  idle: number; // cumulative idle ticks per CPU
}

function statText(c: CpuFake, ncpu: number, btime: number): string {
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; all busy time is "user".
  const line = (name: string, busy: number, idle: number) =>
    `${name} ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`;
  let s = line("cpu ", c.busy * ncpu, c.idle * ncpu);
  for (let i = 0; i < ncpu; i++) s += line(`cpu${i}`, c.busy, c.idle);
  s += `intr 0\nctxt 0\nbtime ${btime}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n`;
  return s;
}

function meminfoText(current: string, totalKb: number, availKb: number): string {
  // Keep every other line; make MemFree == MemAvailable and Buffers/Cached 0, so every usual
  // formula (total - available, total - free - buffers - cached) gives the same "used".
  const set: Record<string, number> = {
    MemTotal: totalKb,
    MemFree: availKb,
    MemAvailable: availKb,
    Buffers: 0,
    Cached: 0,
  };
  const seen = new Set<string>();
  const lines = current
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const key = l.split(":")[0] ?? "";
      const v = set[key];
      if (v === undefined) return l;
      seen.add(key);
      return `${`${key}:`.padEnd(16)}${String(v).padStart(8)} kB`;
    });
  for (const [k, v] of Object.entries(set)) {
    if (!seen.has(k)) lines.unshift(`${`${k}:`.padEnd(16)}${String(v).padStart(8)} kB`);
  }
  return `${lines.join("\n")}\n`;
}

const dirOf = (id: string) => `/tmp/cluster-exec-test-${id}`;

/** Picks an unused random id and reserves it by creating its state dir (mkdir is atomic). */
function reserveId(): string {
  const used = new Set(
    Bun.spawnSync(["ip", "netns", "list"])
      .stdout.toString()
      .split("\n")
      .map((l) => l.split("-")[0]),
  );
  for (let i = 0; i < 100; i++) {
    const id = randomId();
    if (used.has(id)) continue;
    try {
      mkdirSync(dirOf(id));
      return id;
    } catch {
      // taken by a concurrent test file: try another
    }
  }
  throw new Error("could not find a free cluster id");
}

export async function startCluster(n = 3, id?: string): Promise<TestCluster> {
  const cid = id ?? reserveId();
  if (!/^[a-z0-9]{1,4}$/.test(cid)) throw new Error(`cluster id must match [a-z0-9]{1,4}: ${cid}`);
  const dir = dirOf(cid);
  const env = scriptEnv(cid, dir);

  const runScript = async (verb: string, ...args: string[]): Promise<string> => {
    const r = await run(["bash", SCRIPT_PATH, verb, ...args], {}, env);
    if (r.code !== 0) {
      throw new Error(
        `test-cluster.sh ${[verb, ...args].join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`,
      );
    }
    return r.stdout;
  };

  live.add(cid);
  let out: string;
  try {
    out = await runScript("up", String(n));
  } catch (e) {
    await runScript("down").catch(() => {});
    live.delete(cid);
    throw e;
  }
  const configPath = out.trim().split("\n").at(-1) ?? "";
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const ncpu = Math.max(1, cpus().length);
  const btime = Math.floor(Date.now() / 1000) - 3600;

  // cpu_percent is computed by the program from the DELTA of two reads of /proc/stat, so a static
  // file would give 0/0. While a node has a cpuBusyPercent, a background interval owned by this
  // cluster rewrites its /proc/stat every STEP_MS with counters advanced by TICKS_PER_STEP ticks
  // per CPU, split busy/idle in the wanted ratio: any two reads ≥ STEP_MS apart see that ratio.
  const cpuFakes = new Map<string, CpuFake>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const procFile = (node: string, f: string) => join(dir, "nodes", node, "proc", f);
  const writeStat = (node: string, c: CpuFake) =>
    writeInPlace(procFile(node, "stat"), statText(c, ncpu, btime));
  const tick = () => {
    for (const [node, c] of cpuFakes) {
      const busy = Math.round((TICKS_PER_STEP * c.busyPercent) / 100);
      c.busy += busy;
      c.idle += TICKS_PER_STEP - busy;
      try {
        writeStat(node, c);
      } catch {
        // node dir gone (cluster torn down by someone else): stop faking this node
        cpuFakes.delete(node);
      }
    }
  };

  const checkNode = (node: string) => {
    if (!nodes.includes(node)) throw new Error(`unknown node ${node} (cluster has ${nodes})`);
  };

  const cluster: TestCluster = {
    id: cid,
    dir,
    configPath,
    nodes,
    keyPath: join(dir, "id_ed25519"),
    ctl: (args, opts) => run(["ip", "netns", "exec", `${cid}-ctl`, ...args], opts),
    nodeExec: (node, args) => {
      checkNode(node);
      return run(["ip", "netns", "exec", `${cid}-${node}`, ...args]);
    },
    script: async (verb, ...args) => {
      await runScript(verb, ...args);
    },
    setLoad: async (node, f) => {
      checkNode(node);
      const l1 = f.load1;
      const l5 = f.load5 ?? l1;
      const l15 = f.load15 ?? l1;
      writeInPlace(
        procFile(node, "loadavg"),
        `${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)} 1/100 4242\n`,
      );
      if (f.memTotalKb !== undefined || f.memAvailKb !== undefined) {
        const path = procFile(node, "meminfo");
        const current = readFileSync(path, "utf8");
        const cur = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(current)?.[1]);
        const total = f.memTotalKb ?? cur("MemTotal");
        const avail = Math.min(total, f.memAvailKb ?? cur("MemAvailable"));
        writeInPlace(path, meminfoText(current, total, avail));
      }
      if (f.cpuBusyPercent !== undefined) {
        const p = Math.min(100, Math.max(0, f.cpuBusyPercent));
        const c = cpuFakes.get(node) ?? { busyPercent: p, busy: COUNTER_BASE, idle: COUNTER_BASE };
        c.busyPercent = p;
        cpuFakes.set(node, c);
        writeStat(node, c);
        if (timer === undefined) {
          timer = setInterval(tick, STEP_MS);
          timer.unref?.();
        }
      }
    },
    down: async () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      cpuFakes.clear();
      await runScript("down");
      live.delete(cid);
    },
  };
  return cluster;
}

// Last resort if a test file dies without calling down(): tear its clusters down synchronously.
process.on("exit", () => {
  for (const id of live) {
    Bun.spawnSync(["bash", SCRIPT_PATH, "down"], {
      env: scriptEnv(id, dirOf(id)),
      stdout: "ignore",
      stderr: "ignore",
    });
  }
});
