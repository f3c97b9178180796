// Takes docs/status.png: the status page on the 3-node netns test cluster after three minutes of
// changing fake load, a few runs and a running task. Needs root (test cluster) and Debian's
// chromium. Usage: sudo bun scripts/status-screenshot.ts [OUT.png]
import { join } from "node:path";
import { launchBrowserInCtl } from "../test/helpers/browser.ts";
import { startCluster } from "../test/helpers/cluster.ts";
import { cli, testEnv } from "../test/helpers/ctl-harness.ts";
import { startServe } from "../test/web/helpers.ts";

const out = process.argv[2] ?? join(import.meta.dir, "..", "docs", "status.png");
const STEPS = 36; // × 5 s: three minutes of history for the sparklines
const c = await startCluster(3);
try {
  const env = testEnv(c, { CLUSTER_SAMPLE_INTERVAL: "2" });
  const serve = await startServe(c, env);
  const browser = await launchBrowserInCtl(c);
  try {
    const page = await browser.newPage();
    await page.goto(serve.url);
    for (let i = 0; i < STEPS; i++) {
      const wave = (phase: number) => 0.5 + 0.5 * Math.sin(i / 5 + phase);
      const memKb = (total: number, used: number) => Math.round(total * (1 - used));
      await c.setLoad("n1", {
        load1: +(0.5 + 2.5 * wave(0)).toFixed(2),
        memTotalKb: 8_000_000,
        memAvailKb: memKb(8_000_000, 0.25 + 0.3 * wave(1)),
        cpuBusyPercent: Math.round(10 + 50 * wave(0)),
      });
      await c.setLoad("n2", {
        load1: +(1 + 4 * wave(2)).toFixed(2),
        memTotalKb: 8_000_000,
        memAvailKb: memKb(8_000_000, 0.5 + 0.35 * wave(2)),
        cpuBusyPercent: Math.round(20 + 60 * wave(2)),
      });
      await c.setLoad("n3", {
        load1: +(0.2 + 0.6 * wave(4)).toFixed(2),
        memTotalKb: 16_000_000,
        memAvailKb: memKb(16_000_000, 0.15 + 0.1 * wave(4)),
        cpuBusyPercent: Math.round(3 + 10 * wave(4)),
      });
      if (i === 10)
        await cli(c, ["run", "--node", "n2", "--", "make -v >/dev/null 2>&1; echo built"], env);
      if (i === 20) await cli(c, ["run", "--node", "n3", "--", "ls /nonexistent"], env);
      if (i === 25) await cli(c, ["submit", "--node", "n2", "--", "sleep 1; echo done"], env);
      if (i === 30)
        await cli(
          c,
          [
            "submit",
            "--node",
            "n1",
            "--",
            'for i in $(seq 1 200); do echo "step $i of 200: compiling module-$i"; sleep 0.5; done',
          ],
          env,
        );
      await Bun.sleep(5000);
    }
    await page.screenshot({ path: out, fullPage: true });
    console.log(out);
  } finally {
    await browser.close();
    await serve.stop();
  }
} finally {
  await c.down();
}
