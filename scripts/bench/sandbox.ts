// What the OS sandbox costs per run: `true` plain vs inside bubblewrap (system, workspace), locally
// through the local executor and on a node of a netns test cluster through the ssh pool and the
// openssh transport (root needed for the cluster; --local-only skips it). Variants are interleaved run by run, so that the
// load of a shared machine falls on all of them alike; prints medians, the overhead and the ratio.
//   bun scripts/bench/sandbox.ts [--runs N] [--local-only] [--json]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.ts";
import type { Executor, RunSpec } from "../../src/exec/executor.ts";
import { createLocalExecutor } from "../../src/exec/local.ts";
import { createExecutorFor } from "../../src/run/for-node.ts";
import { poolOptionsFrom, SshPool } from "../../src/ssh/pool.ts";
import { startCluster } from "../../test/helpers/cluster.ts";

const VARIANTS = ["plain", "system", "workspace"] as const;
type Variant = (typeof VARIANTS)[number];
type Medians = Record<Variant, number>;

interface Report {
  runs: number;
  local: Medians;
  /** bwrap itself (its smallest sandbox around `true`) against spawning `true`. */
  raw: { spawn_true: number; bwrap_true: number };
  remote?: Medians;
  /** The same node over the openssh transport (ControlMaster, the reporting wrapper). */
  remote_openssh?: Medians;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] as number) * 100) / 100;
};

/** Times every variant `runs` times, interleaved; returns the median of each. */
async function interleaved<K extends string>(
  runs: number,
  variants: readonly K[],
  once: (v: K) => Promise<void>,
): Promise<Record<K, number>> {
  const times = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<K, number[]>;
  for (const v of variants) await once(v); // warm-up: page cache, JIT, connection
  for (let i = 0; i < runs; i++)
    for (const v of variants) {
      const t = performance.now();
      await once(v);
      times[v].push(performance.now() - t);
    }
  return Object.fromEntries(variants.map((v) => [v, median(times[v])])) as Record<K, number>;
}

function runner(exec: Executor, cwd: string) {
  return async (v: Variant) => {
    const spec: RunSpec = {
      command: "true",
      cwd,
      timeoutMs: 10_000,
      outputLimit: 4096,
      killGraceMs: 1000,
    };
    if (v !== "plain") spec.sandbox = { level: v, writable: [] };
    const r = await exec.run(spec);
    if (r.exit_code !== 0) throw new Error(`${v}: ${JSON.stringify(r)}`);
  };
}

async function spawnOk(argv: string[]): Promise<void> {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")}: exit ${p.exitCode}`);
}

const BWRAP = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];

async function local(runs: number): Promise<Pick<Report, "local" | "raw">> {
  const ws = mkdtempSync(join(tmpdir(), "ce-bench-ws-"));
  try {
    const medians = await interleaved(runs, VARIANTS, runner(createLocalExecutor(), ws));
    const raw = await interleaved(runs, ["spawn_true", "bwrap_true"] as const, (v) =>
      spawnOk(v === "spawn_true" ? ["true"] : [...BWRAP, "--unshare-pid", "--", "true"]),
    );
    return { local: medians, raw };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

/**
 * Inside the controller namespace: the ssh executor against n1 (user cetest, its home as cwd),
 * then the openssh one (its config forces the transport).
 */
async function remoteInner(configPath: string, runs: number): Promise<void> {
  const config = loadConfig({ configPath });
  const pool = new SshPool(poolOptionsFrom(config));
  let ssh2: Medians;
  try {
    const exec = createExecutorFor("n1", config, { pool });
    ssh2 = await interleaved(runs, VARIANTS, runner(exec, "/home/cetest"));
  } finally {
    await pool.close();
  }
  const viaOpenssh = loadConfig({ configPath: process.env.CE_BENCH_OPENSSH as string });
  const exec = createExecutorFor("n1", viaOpenssh);
  try {
    const openssh = await interleaved(runs, VARIANTS, runner(exec, "/home/cetest"));
    process.stdout.write(`${JSON.stringify({ ssh2, openssh })}\n`);
  } finally {
    await exec.close();
  }
}

async function remote(runs: number): Promise<{ ssh2: Medians; openssh: Medians }> {
  const cluster = await startCluster(1);
  const opensshConfig = join(cluster.dir, "bench-openssh.toml");
  const sshConfig = join(cluster.dir, "ssh_config");
  writeFileSync(
    opensshConfig,
    `[defaults]\ntransport = "openssh"\nssh_config = "${sshConfig}"\n\n[nodes.n1]\nhost = "n1"\n`,
  );
  try {
    const p = Bun.spawn(
      ["ip", "netns", "exec", `${cluster.id}-ctl`, process.execPath, import.meta.path],
      {
        env: {
          ...process.env,
          CE_BENCH_INNER: cluster.configPath,
          CE_BENCH_RUNS: String(runs),
          CE_BENCH_OPENSSH: opensshConfig,
          CLUSTER_STATE_DIR: join(cluster.dir, "bench-state"),
          CLUSTER_MDNS_TIMEOUT: "0",
        },
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    const out = await new Response(p.stdout).text();
    if ((await p.exited) !== 0) throw new Error("bench failed inside the controller namespace");
    return JSON.parse(out.trim().split("\n").at(-1) as string) as {
      ssh2: Medians;
      openssh: Medians;
    };
  } finally {
    await cluster.down();
  }
}

function print(r: Report): void {
  const block = (title: string, m: Medians) => {
    console.log(`${title}: \`true\`, median of ${r.runs} (ms)`);
    for (const v of VARIANTS) {
      const extra =
        v === "plain"
          ? ""
          : `  +${(m[v] - m.plain).toFixed(2)} ms  ${(m[v] / m.plain).toFixed(2)}×`;
      console.log(`  ${v.padEnd(10)}${m[v].toFixed(2).padStart(8)}${extra}`);
    }
  };
  block("local executor", r.local);
  console.log(
    `raw: spawn true ${r.raw.spawn_true} ms, bwrap true ${r.raw.bwrap_true} ms (${(r.raw.bwrap_true / r.raw.spawn_true).toFixed(1)}×)`,
  );
  if (r.remote) block("ssh executor, node n1 (netns test cluster)", r.remote);
  if (r.remote_openssh) block("openssh executor, the same node", r.remote_openssh);
}

async function main(): Promise<number> {
  if (process.env.CE_BENCH_INNER) {
    await remoteInner(process.env.CE_BENCH_INNER, Number(process.env.CE_BENCH_RUNS));
    return 0;
  }
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "100" },
      "local-only": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const runs = Number(values.runs);
  const report: Report = { runs, ...(await local(runs)) };
  if (!values["local-only"]) {
    const both = await remote(runs);
    report.remote = both.ssh2;
    report.remote_openssh = both.openssh;
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else print(report);
  return 0;
}

if (import.meta.main) main().then((code) => process.exit(code));
