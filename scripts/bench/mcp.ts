// MCP latency of the compiled binary: start → first tools/list answer, and a cluster_bash round trip
// for a local `true`, each against a baseline measured in the same run.
// Usage: bun scripts/bench/mcp.ts [--starts N] [--calls N]   (builds dist/cluster-exec-linux-x64 first)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = join(import.meta.dir, "..", "..");
const bin = join(root, "dist", "cluster-exec-linux-x64");
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const STARTS = arg("starts", 15);
const CALLS = arg("calls", 100);

const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--target", "linux-x64"], {
  cwd: root,
});
if (build.exitCode !== 0) throw new Error(build.stderr.toString());

// No config file: the embedded one-node default, so nothing is contacted over the network.
const home = mkdtempSync(join(tmpdir(), "ce-bench-"));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return { median: q(0.5), p95: q(0.95) };
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// Baseline 1: the binary starting and exiting (`version`).
const versionTimes: number[] = [];
for (let i = 0; i < STARTS; i++)
  versionTimes.push(
    await timeIt(async () => Bun.spawn([bin, "version"], { env, stdout: "ignore" }).exited),
  );

// Start → initialize → first tools/list answer.
const startTimes: number[] = [];
for (let i = 0; i < STARTS; i++) {
  const client = new Client({ name: "bench", version: "1" });
  startTimes.push(
    await timeIt(async () => {
      await client.connect(
        new StdioClientTransport({ command: bin, args: ["mcp"], env, stderr: "ignore" }),
      );
      await client.listTools();
    }),
  );
  await client.close();
}

// Baseline 2: spawning `true` directly; then cluster_bash `true` through a warm server.
const spawnTimes: number[] = [];
for (let i = 0; i < CALLS; i++)
  spawnTimes.push(await timeIt(async () => Bun.spawn(["true"], { stdout: "ignore" }).exited));
const client = new Client({ name: "bench", version: "1" });
await client.connect(
  new StdioClientTransport({ command: bin, args: ["mcp"], env, stderr: "ignore" }),
);
await client.callTool({ name: "cluster_bash", arguments: { command: "true" } }); // warm-up
const callTimes: number[] = [];
for (let i = 0; i < CALLS; i++)
  callTimes.push(
    await timeIt(() => client.callTool({ name: "cluster_bash", arguments: { command: "true" } })),
  );
await client.close();

const v = stats(versionTimes);
const s = stats(startTimes);
const sp = stats(spawnTimes);
const c = stats(callTimes);
console.log(
  `binary start+exit (version)      median ${ms(v.median)}  p95 ${ms(v.p95)}   (baseline)`,
);
console.log(
  `start → tools/list answered       median ${ms(s.median)}  p95 ${ms(s.p95)}   ${(s.median / v.median).toFixed(2)}× baseline  (goal ≤ 100 ms)`,
);
console.log(
  `Bun.spawn true                    median ${ms(sp.median)}  p95 ${ms(sp.p95)}   (baseline)`,
);
console.log(
  `cluster_bash true round trip      median ${ms(c.median)}  p95 ${ms(c.p95)}   ${(c.median / sp.median).toFixed(2)}× baseline`,
);
