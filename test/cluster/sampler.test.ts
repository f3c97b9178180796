// The background sampler as `serve`/`mcp` run it, on the netns cluster: load changes within two
// sampling periods, a killed node unreachable within two periods and healthy after restart, and
// a clean close.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { configVariant, type LineProcess, lineProcess } from "./helpers.ts";

const T = 60_000;
const PERIOD_MS = 1000;
let c: TestCluster;
let harness: LineProcess;

describe("background sampler", () => {
  beforeAll(async () => {
    c = await startCluster(2);
    for (const n of c.nodes)
      await c.setLoad(n, { load1: 0.25, memTotalKb: 4_000_000, memAvailKb: 3_000_000 });
    const cfg = configVariant(c, "sampler", (t) =>
      t.replace(
        "[defaults]\n",
        `[defaults]\nsample_interval = ${PERIOD_MS / 1000}\nmdns_timeout = 0.2\nstate_dir = "${join(c.dir, "sampler-state")}"\n`,
      ),
    );
    harness = lineProcess([
      "ip",
      "netns",
      "exec",
      `${c.id}-ctl`,
      process.execPath,
      join(import.meta.dir, "fixtures", "sampler-harness.ts"),
      cfg,
    ]);
    for (const n of c.nodes)
      await harness.waitFor(
        `a first sample of ${n}`,
        (l) => l.node === n && l.status === "healthy",
        10_000,
      );
  }, T);

  afterAll(async () => {
    await harness?.kill();
    await c?.down();
  }, T);

  test(
    "a load change shows up within two sampling periods",
    async () => {
      const from = harness.lines.length;
      const t0 = Date.now();
      await c.setLoad("n1", { load1: 6.5, memTotalKb: 4_000_000, memAvailKb: 400_000 });
      const seen = await harness.waitFor(
        "n1's new load",
        (l) => l.node === "n1" && l.load_1m === 6.5,
        2 * PERIOD_MS,
        from,
      );
      expect(seen).toMatchObject({ status: "degraded", memory_percent: 90 });
      expect((seen.t as number) - t0).toBeLessThan(2 * PERIOD_MS);
    },
    T,
  );

  test(
    "a killed node is unreachable within two periods, with its error, and healthy again after restart",
    async () => {
      await c.setLoad("n2", { load1: 0.25, memTotalKb: 4_000_000, memAvailKb: 3_000_000 });
      const from = harness.lines.length;
      const t0 = Date.now();
      await c.script("kill-node", "n2");
      try {
        const down = await harness.waitFor(
          "n2 unreachable",
          (l) => l.node === "n2" && l.status === "unreachable",
          2 * PERIOD_MS,
          from,
        );
        expect(Date.now() - t0).toBeLessThan(2 * PERIOD_MS);
        // The node's death is seen as a refused connect, a dropped connection, or — when a probe
        // was running at that moment — the probe itself killed along with everything on the node.
        expect(String(down.last_error)).toMatch(/ECONNREFUSED|closed|unreachable|exited by signal/);
        // n1 carries on meanwhile.
        await harness.waitFor(
          "n1 still sampled",
          (l) => l.node === "n1" && l.status !== "unreachable",
          2 * PERIOD_MS,
          from,
        );
      } finally {
        await c.script("start-sshd", "n2");
      }
      const back = harness.lines.length;
      // Backoff after a few failures is a few periods at most here.
      await harness.waitFor(
        "n2 healthy again",
        (l) => l.node === "n2" && l.status === "healthy",
        15_000,
        back,
      );
    },
    T,
  );

  test(
    "close() stops every timer and connection: the process ends by itself",
    async () => {
      harness.write("close\n");
      await harness.waitFor("the close acknowledgement", (l) => l.closed === true, 5000);
      const code = await Promise.race([
        harness.exited,
        Bun.sleep(5000).then(() => "still running"),
      ]);
      expect(code).toBe(0);
    },
    T,
  );
});
