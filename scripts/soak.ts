// The soak bench (not a timed test): users of every kind and faults of every kind at once on a
// netns test cluster, invariants and figures at the end (test/helpers/soak/). Needs root.
//   bun scripts/soak.ts --minutes N [--json FILE]   4 HTTP + 2 stdio MCP clients, a CLI loop, chaos
//   bun scripts/soak.ts --nodes 100 [--json FILE]   the scale figures on 100 nodes
// Exit code 1 when an invariant failed.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { invariants, summary } from "../test/helpers/soak/invariants.ts";
import { runScale, scaleSummary } from "../test/helpers/soak/scale.ts";
import { runSoak } from "../test/helpers/soak/soak.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string" },
    nodes: { type: "string" },
    json: { type: "string" },
  },
});
const log = (l: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${l}`);

if (values.nodes !== undefined && values.minutes === undefined) {
  const report = await runScale({ nodes: Number(values.nodes), log });
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report));
  console.log(scaleSummary(report));
} else {
  const report = await runSoak({
    minutes: Number(values.minutes ?? 10),
    nodes: Number(values.nodes ?? 4),
    httpClients: 4,
    stdioClients: 2,
    cli: true,
    warmupS: 15,
    calmTailS: 15,
    log,
    ...(values.json ? { rawCallsPath: values.json.replace(/(\.json)?$/, ".calls.jsonl") } : {}),
  });
  const invs = invariants(report);
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ report, invariants: invs }, null, 2)}\n`);
  console.log(JSON.stringify({ report, invariants: invs }));
  console.log(summary(report, invs));
  process.exitCode = invs.every((i) => i.ok) ? 0 : 1;
}
