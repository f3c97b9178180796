import { writeFileSync, mkdtempSync } from "node:fs"; import { join } from "node:path"; import { tmpdir, hostname } from "node:os";
import { loadConfig } from "../../../src/config/load.ts"; import { createRuntime } from "../../../src/run/runtime.ts";
const dir = mkdtempSync(join(tmpdir(), "w-"));
const rts = [3, 99].map((N) => { let t = `[defaults]\nuser="x"\n[nodes.here]\nhost="${hostname()}"\n`;
for (let i = 0; i < N; i++) t += `[nodes.f${i}]\nhost="f${i}"\nip="10.99.0.${i % 200 + 1}"\nos="linux"\narch="x86_64"\ncores=2\n`;
const p = join(dir, `c${N}.toml`); writeFileSync(p, t);
return createRuntime(loadConfig({ configPath: p, env: { HOME: dir, CLUSTER_STATE_DIR: join(dir, `s${N}`) } }), {}); });
for (let round = 0; round < 3; round++) for (const [k, rt] of rts.entries()) {
  const t0 = performance.now(); for (let i = 0; i < 2000; i++) rt.decide({ command: "make -j8", requester: "cli" });
  console.log(k ? 100 : 4, "decide µs", (((performance.now() - t0) / 2000) * 1000).toFixed(1));
}
process.exit(0);
