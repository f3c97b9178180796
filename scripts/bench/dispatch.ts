// Dispatch latency of a remote `true`: the ssh2 pool and the openssh adapter (ssh over a
// ControlMaster, with cluster-exec's wrapper) vs a raw `ssh -S` ControlMaster call, a fresh `ssh`
// process and a local spawn. Brings up its own netns test cluster (root), measures from inside its
// controller namespace (the three fast ones interleaved, so load drifts hit them alike), prints
// median/p95 and the ratios, tears the cluster down.
//   bun scripts/bench/dispatch.ts [--runs N] [--fresh-runs N] [--json]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.ts";
import type { Executor } from "../../src/exec/executor.ts";
import { createExecutorFor } from "../../src/run/for-node.ts";
import { createTransports } from "../../src/run/transports.ts";
import { startCluster } from "../../test/helpers/cluster.ts";

interface Stats {
  n: number;
  median_ms: number;
  p95_ms: number;
  mean_ms: number;
}

interface Report {
  pool: Stats;
  openssh: Stats;
  fresh_ssh: Stats;
  control_master: Stats;
  local_spawn: Stats;
  ratio_pool_to_fresh: number;
  ratio_pool_to_control_master: number;
  ratio_openssh_to_control_master: number;
  ratio_openssh_to_pool: number;
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

const ratio = (a: Stats, b: Stats) => Math.round((a.median_ms / b.median_ms) * 1000) / 1000;

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

/** Each of `fns` n times, round-robin (after one warm-up each); the samples per function. */
async function interleaved(n: number, fns: (() => Promise<void>)[]): Promise<number[][]> {
  for (const f of fns) await f();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < n; i++)
    for (const [k, f] of fns.entries()) {
      const t = performance.now();
      await f();
      out[k]?.push(performance.now() - t);
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

const SPEC = { command: "true", timeoutMs: 10_000, outputLimit: 4096, killGraceMs: 1000 };

function runner(exec: Executor, what: string): () => Promise<void> {
  return async () => {
    const r = await exec.run(SPEC);
    if (r.exit_code !== 0) throw new Error(`${what} run failed: ${JSON.stringify(r)}`);
  };
}

/** Runs inside the controller namespace: the only place that reaches the nodes. */
async function inner(paths: string[], runs: number, freshRuns: number) {
  const [configPath, opensshPath, keyPath] = paths as [string, string, string];
  const config = loadConfig({ configPath });
  const node = config.nodes.n1;
  if (!node?.ip) throw new Error("config has no n1 with an ip");
  const transports = createTransports(config);
  const pool = createExecutorFor("n1", config, { transports });
  const osConfig = loadConfig({ configPath: opensshPath });
  const osTransports = createTransports(osConfig);
  const openssh = createExecutorFor("n1", osConfig, { transports: osTransports });
  if ((await osTransports.choose(osConfig.nodes.n1 as typeof node)).transport !== "openssh")
    throw new Error("the openssh config does not pick openssh");

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
  const sock = join(dir, "cm.sock");
  try {
    await spawnOk([...sshBase, "-o", "ControlMaster=yes", "-S", sock, "-fN", target]);
    let fast: number[][];
    try {
      fast = await interleaved(runs, [
        runner(pool, "ssh2 pool"),
        runner(openssh, "openssh adapter"),
        () => spawnOk([...sshBase, "-S", sock, target, "true"]),
      ]);
    } finally {
      await spawnOk([...sshBase, "-S", sock, "-O", "exit", target]).catch(() => {});
      await transports.close();
      await osTransports.close();
    }
    const freshTimes = await time(freshRuns, () => spawnOk([...sshBase, target, "true"]));
    const localTimes = await time(runs, () => spawnOk(["true"]));
    const [poolS, opensshS, cmS] = fast.map(stats) as [Stats, Stats, Stats];
    const fresh = stats(freshTimes);
    const report: Report = {
      pool: poolS,
      openssh: opensshS,
      fresh_ssh: fresh,
      control_master: cmS,
      local_spawn: stats(localTimes),
      ratio_pool_to_fresh: ratio(poolS, fresh),
      ratio_pool_to_control_master: ratio(poolS, cmS),
      ratio_openssh_to_control_master: ratio(opensshS, cmS),
      ratio_openssh_to_pool: ratio(opensshS, poolS),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: Report): void {
  const row = (name: string, s: Stats) =>
    `${name.padEnd(34)}${String(s.n).padStart(5)}${s.median_ms.toFixed(2).padStart(11)}${s.p95_ms.toFixed(2).padStart(10)}`;
  console.log(
    `${"remote `true` via".padEnd(34)}${"n".padStart(5)}${"median ms".padStart(11)}${"p95 ms".padStart(10)}`,
  );
  console.log(row("ssh2 pool (cluster-exec)", r.pool));
  console.log(row("openssh adapter (cluster-exec)", r.openssh));
  console.log(row("raw ssh -S ControlMaster", r.control_master));
  console.log(row("fresh ssh process", r.fresh_ssh));
  console.log(row("(local Bun.spawn true)", r.local_spawn));
  console.log(
    `pool / fresh ssh = ${r.ratio_pool_to_fresh}×  (goal ≤ 0.1)   ` +
      `pool / ControlMaster = ${r.ratio_pool_to_control_master}×  (goal ≤ 1.0)`,
  );
  console.log(
    `openssh adapter / raw ssh -S = ${r.ratio_openssh_to_control_master}×  (goal ≤ 1.2)   ` +
      `openssh adapter / ssh2 pool = ${r.ratio_openssh_to_pool}×`,
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
    await inner(values.inner, runs, freshRuns);
    return 0;
  }
  const cluster = await startCluster(1);
  const state = join(cluster.dir, "bench-state");
  // The same node through the openssh transport, addressed by the cluster's ssh_config alias.
  const opensshPath = join(cluster.dir, "openssh.toml");
  writeFileSync(
    opensshPath,
    `[defaults]\ntransport = "openssh"\nssh_config = "${join(cluster.dir, "ssh_config")}"\n\n[nodes.n1]\nhost = "n1"\n`,
  );
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
        `--inner=${opensshPath}`,
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
