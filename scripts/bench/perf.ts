// The performance goals of issue 17, each as a ratio against an anchor measured in the same run:
// a remote `true` through MCP (with and without the node's resident agent) against a raw ssh2 exec;
// 200 `echo` and 40 `sleep 0.2` at concurrency 8 pinned to one node; 200 MB through `run --node`;
// an MCP server's memory over many runs; a call with 100 nodes in the inventory against 4; a whole
// `run --node n1 -- true` process against `ssh -S`, and `version` against a no-op Bun binary.
// Builds the linux-x64 binary (the node's agent is that binary), brings up a one-node netns test
// cluster (root), measures inside its controller namespace, prints the table, tears down.
//   bun scripts/bench/perf.ts [--only true,echo,sleep,flood,memory,width,process] [--reps N]
//                             [--calls N] [--runs N] [--json]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "../../test/helpers/cluster.ts";
import type { Setup } from "./perf-inner.ts";

const root = join(import.meta.dir, "..", "..");
const { values } = parseArgs({
  options: {
    only: { type: "string", default: "" },
    reps: { type: "string", default: "3" },
    calls: { type: "string", default: "100" },
    runs: { type: "string", default: "10000" },
    json: { type: "boolean" },
  },
});

async function build(): Promise<{ bin: string; noop: string }> {
  const b = Bun.spawn([process.execPath, "scripts/build.ts", "--target", "linux-x64"], {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  });
  if ((await b.exited) !== 0) throw new Error("build failed");
  const noopSrc = join(root, "dist", "noop.ts");
  writeFileSync(noopSrc, "process.exit(0);\n");
  const noop = join(root, "dist", "noop");
  const n = Bun.spawn(
    [
      process.execPath,
      "build",
      noopSrc,
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "--outfile",
      noop,
    ],
    { cwd: root, stdout: "ignore", stderr: "inherit" },
  );
  if ((await n.exited) !== 0) throw new Error("no-op build failed");
  return { bin: join(root, "dist", "cluster-exec-linux-x64"), noop };
}

/** The cluster's config plus `extra` nodes that answer nothing (their address is unreachable). */
function withFakeNodes(base: string, count: number): string {
  let text = base;
  for (let i = 0; i < count; i++)
    text += `\n[nodes.fake${i}]\nhost = "fake${i}"\nip = "10.250.0.${200 + (i % 50)}"\nos = "linux"\narch = "x86_64"\ncores = 2\n`;
  return text;
}

const { bin, noop } = await build();
const c = await startCluster(1);
try {
  await c.setLoad("n1", { load1: 0, cpuBusyPercent: 1, memTotalKb: 8e6, memAvailKb: 7e6 });
  const base = readFileSync(c.configPath, "utf8");
  const agentConfig = join(c.dir, "perf-agent.toml");
  writeFileSync(agentConfig, base.replace("[nodes.n1]\n", `[nodes.n1]\nbinary_path = "${bin}"\n`));
  const plainConfig = join(c.dir, "perf-plain.toml");
  writeFileSync(plainConfig, base);
  const nodes4 = join(c.dir, "perf-n4.toml");
  writeFileSync(nodes4, withFakeNodes(base, 3));
  const nodes100 = join(c.dir, "perf-n100.toml");
  writeFileSync(nodes100, withFakeNodes(base, 99));
  const setup: Setup = {
    bin,
    noop,
    agentConfig,
    plainConfig,
    nodes4,
    nodes100,
    keyPath: c.keyPath,
    host: "10.250.0.11",
    user: "cetest",
    dir: c.dir,
    only: values.only ? values.only.split(",") : [],
    reps: Number(values.reps),
    calls: Number(values.calls),
    runs: Number(values.runs),
  };
  const setupPath = join(c.dir, "perf-setup.json");
  writeFileSync(setupPath, JSON.stringify(setup));
  const r = await c.ctl([process.execPath, join(import.meta.dir, "perf-inner.ts"), setupPath], {
    timeoutMs: 3_600_000,
  });
  process.stderr.write(r.stderr);
  if (r.code !== 0) throw new Error(`inner bench failed (${r.code})`);
  const res = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
  if (values.json) console.log(JSON.stringify(res, null, 2));
  else printTable(res);
} finally {
  await c.down();
}

// biome-ignore lint/suspicious/noExplicitAny: a JSON report read back
function printTable(r: any): void {
  const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-");
  const rows: string[][] = [["work", "cluster-exec", "anchor(s), same run", "ratio", "goal"]];
  if (r.true)
    rows.push(
      [
        "remote true via MCP, agent",
        `${f(r.true.agent)} ms`,
        `raw ssh2 ${f(r.true.raw_ssh2)} ms; ssh -S ${f(r.true.control_master)} ms`,
        `${f(r.true.agent / r.true.raw_ssh2)}× ssh2`,
        "≤ 0.6×",
      ],
      [
        "remote true via MCP, no agent",
        `${f(r.true.plain)} ms`,
        `raw ssh2 ${f(r.true.raw_ssh2)} ms`,
        `${f(r.true.plain / r.true.raw_ssh2)}× ssh2`,
        "≤ 1.5×",
      ],
    );
  if (r.echo)
    rows.push(
      [
        "200 echo c8 pinned, agent",
        `${f(r.echo.agent, 0)} jobs/s`,
        `raw ssh2 8 ch ${f(r.echo.raw, 0)}/s; xargs -P8+CM ${f(r.echo.xargs, 0)}/s`,
        `${f(r.echo.agent / r.echo.raw)}× ssh2, ${f(r.echo.agent / r.echo.xargs)}× xargs`,
        "≥ 1.5× ssh2, ≥ 4× xargs",
      ],
      [
        "200 echo c8 pinned, no agent",
        `${f(r.echo.plain, 0)} jobs/s`,
        `raw ssh2 ${f(r.echo.raw, 0)}/s`,
        `${f(r.echo.plain / r.echo.raw)}× ssh2`,
        "≥ 0.8×",
      ],
    );
  if (r.sleep)
    rows.push(
      [
        "40 sleep 0.2 c8, agent",
        `${f(r.sleep.agent / 1000)} s`,
        `ideal 1.0 s; raw ssh2 ${f(r.sleep.raw / 1000)} s`,
        `${f(r.sleep.agent / 1000)}× ideal`,
        "≤ 1.1×",
      ],
      [
        "40 sleep 0.2 c8, no agent",
        `${f(r.sleep.plain / 1000)} s`,
        "ideal 1.0 s",
        `${f(r.sleep.plain / 1000)}× ideal`,
        "≤ 1.1×",
      ],
    );
  if (r.flood)
    rows.push(
      [
        "200 MB run --node, background process",
        `${f(r.flood.mb_s.daemon, 0)} MB/s`,
        `raw ssh2 ${f(r.flood.mb_s.raw, 0)} MB/s`,
        `${f(r.flood.mb_s.daemon / r.flood.mb_s.raw)}× ssh2; peak RSS front ${f(r.flood.peak_rss_mb.daemon_front, 0)} MB, daemon ${f(r.flood.peak_rss_mb.daemon, 0)} MB`,
        "≥ 0.8×, < 150 MB",
      ],
      [
        "200 MB run --node --no-daemon",
        `${f(r.flood.mb_s.in_process, 0)} MB/s`,
        `raw ssh2 ${f(r.flood.mb_s.raw, 0)} MB/s`,
        `${f(r.flood.mb_s.in_process / r.flood.mb_s.raw)}× ssh2; peak RSS ${f(r.flood.peak_rss_mb.in_process, 0)} MB`,
        "≥ 0.8×, < 150 MB",
      ],
    );
  if (r.memory)
    rows.push([
      `MCP server RSS after ${r.memory.runs} runs`,
      `${f(r.memory.after_all_mib, 0)} MiB`,
      `after the first 100: ${f(r.memory.after_100_mib, 0)} MiB`,
      `+${f(r.memory.after_all_mib - r.memory.after_100_mib, 0)} MiB (peak ${f(r.memory.peak_mib, 0)})`,
      "≤ +30 MiB",
    ]);
  if (r.width)
    rows.push([
      "cluster_bash true, 100 nodes vs 4",
      `${f(r.width.n100, 3)} ms`,
      `4 nodes ${f(r.width.n4, 3)} ms`,
      `+${f(r.width.n100 - r.width.n4, 3)} ms`,
      "≤ +0.1 ms",
    ]);
  if (r.process)
    rows.push(
      [
        "whole run --node n1 -- true",
        `${f(r.process.run_true)} ms`,
        `ssh -S ${f(r.process.control_master)} ms`,
        `${f(r.process.run_true / r.process.control_master)}× ssh -S`,
        "≤ 2×",
      ],
      [
        "version (whole process)",
        `${f(r.process.version)} ms`,
        `no-op Bun binary ${f(r.process.noop)} ms`,
        `${f(r.process.version / r.process.noop)}× no-op`,
        "≤ 2×",
      ],
    );
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((x) => (x[i] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
}
