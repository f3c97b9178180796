// `run` against a real sshd node of a netns test cluster: what the CLI does for a remote run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, inCtl, testEnv } from "../helpers/ctl-harness.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

const T = 60_000;
let c: TestCluster;

beforeAll(async () => {
  c = await startCluster(1);
}, T);
afterAll(async () => {
  await c?.down();
}, T);

describe("run on a remote node", () => {
  test(
    "a reader that goes away (| head -1) kills the remote process group: exit 141",
    async () => {
      const marker = uniqueSleep();
      const run = `"${process.execPath}" "${CLI}" --config "${c.configPath}" run --node n1 -- 'while :; do echo x; sleep 0.01; done & sleep ${marker}'`;
      const started = performance.now();
      const proc = inCtl(
        c,
        ["bash", "-c", `${run} | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`],
        testEnv(c),
      );
      const [stdout, stderr] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(stdout).toBe("x\n");
      expect(stderr).toContain("rc=141");
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(await waitGone(marker)).toEqual([]);
    },
    T,
  );
});
