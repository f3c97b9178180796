// Per-call cost against cluster size, in-process (resolvable to the µs where a whole MCP call on a
// loaded machine is not): a runtime's routing decision for one call — cached node snapshots,
// policy, scoring, the candidates kept — with 100 nodes in the inventory against 4, interleaved in
// one run. Every node has a fresh stored sample (as the sampler leaves them), none is reached.
//   bun scripts/bench/call-width.ts [iterations]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SampleStore } from "../../src/cluster/store.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createRuntime } from "../../src/run/runtime.ts";
import { openStateDb } from "../../src/state/db.ts";

const iterations = Number(process.argv[2] ?? 20_000);
const root = mkdtempSync(join(tmpdir(), "ce-width-"));

function runtimeWith(count: number) {
  const dir = join(root, `n${count}`);
  let toml = "";
  for (let i = 0; i < count; i++)
    toml += `[nodes.fake${i}]\nhost = "fake${i}"\nip = "10.250.${Math.floor(i / 200)}.${(i % 200) + 20}"\nos = "linux"\narch = "x86_64"\ncores = 8\n\n`;
  writeFileSync(join(root, `n${count}.toml`), toml);
  const config = loadConfig({
    configPath: join(root, `n${count}.toml`),
    env: { HOME: root, CLUSTER_STATE_DIR: dir, CLUSTER_MDNS_TIMEOUT: "0", PATH: "/usr/bin:/bin" },
  });
  const store = new SampleStore(openStateDb(dir));
  for (let i = 0; i < count; i++)
    store.putSample(`fake${i}`, {
      hostname: `fake${i}`,
      os: "linux",
      arch: "x86_64",
      cores: 8,
      load_1m: (i % 7) * 0.5,
      load_5m: 1,
      load_15m: 1,
      cpu_percent: (i * 13) % 90,
      memory_percent: (i * 7) % 80,
      mem_total: 16e9,
      sampled_at: Date.now(),
      method: "agent",
    });
  return createRuntime(config);
}

const small = runtimeWith(4);
const large = runtimeWith(100);
// A heavy command: routed remotely, so every node is looked at and scored.
const call = { command: "make -j8", requester: "cli" as const };
const time = (rt: typeof small) => {
  const t = Bun.nanoseconds();
  rt.decide(call);
  return (Bun.nanoseconds() - t) / 1000;
};
for (let i = 0; i < 2000; i++) time(i % 2 ? small : large); // JIT warm-up
const s4: number[] = [];
const s100: number[] = [];
for (let i = 0; i < iterations; i++) {
  s4.push(time(small));
  s100.push(time(large));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
const m4 = median(s4);
const m100 = median(s100);
const d = small.decide(call);
console.log(
  `routing decision of one call (${iterations} interleaved, median; ${d.decision} on ${d.node})`,
);
console.log(`  4 nodes:   ${m4.toFixed(1)} µs`);
console.log(`  100 nodes: ${m100.toFixed(1)} µs`);
console.log(
  `  +${((m100 - m4) / 1000).toFixed(3)} ms per call with 100 nodes (goal ≤ +0.1 ms); ratio ${(m100 / m4).toFixed(2)}×`,
);
await Promise.all([small.close(), large.close()]);
rmSync(root, { recursive: true, force: true });
