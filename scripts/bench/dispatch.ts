// Dispatch latency of a remote `true`: the ssh pool vs a fresh `ssh` process vs ssh through a
// ControlMaster. Brings up its own netns test cluster (root), measures from inside its controller
// namespace, prints median/p95 and the ratios, tears the cluster down.
//   bun scripts/bench/dispatch.ts [--runs N] [--fresh-runs N] [--json]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.ts";
import { createExecutorFor } from "../../src/run/for-node.ts";
import { poolOptionsFrom, SshPool } from "../../src/ssh/pool.ts";
import { startCluster } from "../../test/helpers/cluster.ts";

interface Stats {
  n: number;
  median_ms: number;
  p95_ms: number;
  mean_ms: number;
}

interface Report {
  pool: Stats;
  fresh_ssh: Stats;
  control_master: Stats;
  local_spawn: Stats;
  ratio_pool_to_fresh: number;
  ratio_pool_to_control_master: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    median_ms: round(q(0.5)),
    p95_ms: round(q(0.95)),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

async function time(n: number, once: () => Promise<void>): Promise<number[]> {
  await once(); // warm-up: connection, page cache, JIT
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    out.push(performance.now() - t);
  }
  return out;
}

async function spawnOk(argv: string[]): Promise<void> {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0)
    throw new Error(
      `${argv.join(" ")}: exit ${p.exitCode}: ${await new Response(p.stderr).text()}`,
    );
}

/** Runs inside the controller namespace: the only place that reaches the nodes. */
async function inner(configPath: string, keyPath: string, runs: number, freshRuns: number) {
  const config = loadConfig({ configPath });
  const node = config.nodes.n1;
  if (!node?.ip) throw new Error("config has no n1 with an ip");
  const pool = new SshPool(poolOptionsFrom(config));
  const exec = createExecutorFor("n1", config, { pool });
  const spec = { command: "true", timeoutMs: 10_000, outputLimit: 4096, killGraceMs: 1000 };
  const poolTimes = await time(runs, async () => {
    const r = await exec.run(spec);
    if (r.exit_code !== 0) throw new Error(`pool run failed: ${JSON.stringify(r)}`);
  });
  await pool.close();

  const dir = mkdtempSync(join(tmpdir(), "ce-bench-"));
  const target = `${node.user}@${node.ip}`;
  const sshBase = [
    "ssh",
    "-i",
    keyPath,
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    `UserKnownHostsFile=${join(dir, "known_hosts")}`,
    "-o",
    "LogLevel=ERROR",
  ];
  try {
    const freshTimes = await time(freshRuns, () => spawnOk([...sshBase, target, "true"]));
    const sock = join(dir, "cm.sock");
    await spawnOk([...sshBase, "-o", "ControlMaster=yes", "-S", sock, "-fN", target]);
    let cmTimes: number[];
    try {
      cmTimes = await time(runs, () => spawnOk([...sshBase, "-S", sock, target, "true"]));
    } finally {
      await spawnOk([...sshBase, "-S", sock, "-O", "exit", target]).catch(() => {});
    }
    const localTimes = await time(runs, () => spawnOk(["true"]));
    const pool = stats(poolTimes);
    const fresh = stats(freshTimes);
    const cm = stats(cmTimes);
    const report: Report = {
      pool,
      fresh_ssh: fresh,
      control_master: cm,
      local_spawn: stats(localTimes),
      ratio_pool_to_fresh: Math.round((pool.median_ms / fresh.median_ms) * 1000) / 1000,
      ratio_pool_to_control_master: Math.round((pool.median_ms / cm.median_ms) * 1000) / 1000,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: Report): void {
  const row = (name: string, s: Stats) =>
    `${name.padEnd(26)}${String(s.n).padStart(5)}${s.median_ms.toFixed(2).padStart(11)}${s.p95_ms.toFixed(2).padStart(10)}`;
  console.log(
    `${"remote `true` via".padEnd(26)}${"n".padStart(5)}${"median ms".padStart(11)}${"p95 ms".padStart(10)}`,
  );
  console.log(row("ssh2 pool (cluster-exec)", r.pool));
  console.log(row("fresh ssh process", r.fresh_ssh));
  console.log(row("ssh + ControlMaster", r.control_master));
  console.log(row("(local Bun.spawn true)", r.local_spawn));
  console.log(
    `pool / fresh ssh = ${r.ratio_pool_to_fresh}×  (goal ≤ 0.1)   ` +
      `pool / ControlMaster = ${r.ratio_pool_to_control_master}×  (goal ≤ 1.0)`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inner: { type: "string", multiple: true },
      runs: { type: "string", default: "200" },
      "fresh-runs": { type: "string", default: "30" },
      json: { type: "boolean" },
    },
  });
  const runs = Number(values.runs);
  const freshRuns = Number(values["fresh-runs"]);
  if (values.inner) {
    const [configPath, keyPath] = values.inner;
    await inner(configPath as string, keyPath as string, runs, freshRuns);
    return 0;
  }
  const cluster = await startCluster(1);
  const state = join(cluster.dir, "bench-state");
  try {
    const p = Bun.spawn(
      [
        "ip",
        "netns",
        "exec",
        `${cluster.id}-ctl`,
        process.execPath,
        import.meta.path,
        `--inner=${cluster.configPath}`,
        `--inner=${cluster.keyPath}`,
        `--runs=${runs}`,
        `--fresh-runs=${freshRuns}`,
      ],
      {
        env: { ...process.env, CLUSTER_STATE_DIR: state, CLUSTER_MDNS_TIMEOUT: "0" },
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    const out = await new Response(p.stdout).text();
    if ((await p.exited) !== 0) throw new Error("bench failed inside the controller namespace");
    const report = JSON.parse(out.trim().split("\n").at(-1) as string) as Report;
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printTable(report);
    return 0;
  } finally {
    await cluster.down();
  }
}

if (import.meta.main) main().then((code) => process.exit(code));
