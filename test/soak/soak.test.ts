// The 2-minute soak (scripts/soak.ts --minutes 2 runs the same harness): 4 HTTP and 2 stdio MCP
// clients and a CLI loop against a 4-node netns cluster while nodes lose power, one link is bad,
// one node's sessions are taken by a foreign client and the HTTP server is killed and restarted.
// Every invariant of test/helpers/soak/invariants.ts is an assertion here.
import { expect, test } from "bun:test";
import { invariants, summary } from "../helpers/soak/invariants.ts";
import { runSoak } from "../helpers/soak/soak.ts";

test("2-minute soak under chaos: every call answered, every run recorded once, nothing ran twice or was left running, memory flat, nodes back within 20 s", async () => {
  const report = await runSoak({
    minutes: 2,
    nodes: 4,
    httpClients: 4,
    stdioClients: 2,
    cli: true,
    warmupS: 10,
    calmTailS: 15,
    log: (l) => console.error(`[soak] ${l}`),
  });
  const invs = invariants(report);
  console.error(summary(report, invs));
  // The soak did what it claims: load of every kind, a restart, a killed node.
  expect(report.calls.calls).toBeGreaterThan(50);
  expect(Object.keys(report.calls.tools)).toEqual(
    expect.arrayContaining([
      "cluster_bash",
      "offload_to",
      "parallel_execute",
      "task_wait",
      "cli run",
    ]),
  );
  expect(report.recoveries.length).toBeGreaterThanOrEqual(1);
  expect(report.servers).toHaveLength(2);
  expect(invs.filter((i) => !i.ok).map((i) => `${i.name}: ${i.bad.join("; ")}`)).toEqual([]);
}, 170_000);
