// The status page in a real browser (Debian's headless Chromium through playwright-core) against
// `serve` on the netns test cluster: the numbers `cluster-status --json` gives, a submitted task
// and its growing output, the cancel button, a node killed mid-test, and the token rules.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowserInCtl } from "../helpers/browser.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { cli, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, waitGone } from "../helpers/procs.ts";
import {
  markDocument,
  type NodeOnPage,
  nodesOnPage,
  type Serve,
  sameDocument,
  scrollWidth,
  sessionStorageItems,
  startServe,
  taskCard,
  waitForAuditEnd,
  waitForLoads,
  waitForNodeStatus,
  waitForTick,
} from "./helpers.ts";

const T = 90_000;
/** Where the test leaves its screenshots (git-ignored; docs/status.png is one, copied by hand). */
const OUTPUT = join(import.meta.dir, "..", "..", ".test-output");
const SCREENSHOT = join(OUTPUT, "status.png");
const SCREENSHOT_NARROW = join(OUTPUT, "status-360.png");

let c: TestCluster;
let env: Record<string, string>;
let serve: Serve | undefined;
let pageUrl: string; // with #token=…
let browser: BrowserContext | undefined;
let page: Page;
const marker = `0.2${process.pid}${Math.floor(Math.random() * 1e5)}`; // a unique `sleep` argument

/** Fake loads at the start, then LOADS: the page must follow the change without a reload. */
const FIRST_LOADS = {
  n1: { load1: 0.5, memTotalKb: 8_000_000, memAvailKb: 7_000_000, cpuBusyPercent: 40 },
  n2: { load1: 1.5, memTotalKb: 8_000_000, memAvailKb: 6_000_000, cpuBusyPercent: 15 },
  n3: { load1: 0.25, memTotalKb: 16_000_000, memAvailKb: 12_000_000, cpuBusyPercent: 20 },
};
/** Fake loads, one per node, so every number on the page says which node it belongs to. */
const LOADS = {
  n1: { load1: 1.25, memTotalKb: 8_000_000, memAvailKb: 6_000_000, cpuBusyPercent: 10 }, // 25 %
  n2: { load1: 2.5, memTotalKb: 8_000_000, memAvailKb: 4_000_000, cpuBusyPercent: 30 }, // 50 %
  n3: { load1: 0.75, memTotalKb: 16_000_000, memAvailKb: 14_000_000, cpuBusyPercent: 5 }, // 12.5 %
};

beforeAll(async () => {
  c = await startCluster(3);
  for (const [n, load] of Object.entries(FIRST_LOADS)) await c.setLoad(n, load);
  env = testEnv(c, { CLUSTER_SAMPLE_INTERVAL: "2" });
  serve = await startServe(c, env);
  pageUrl = serve.url;
  browser = await launchBrowserInCtl(c);
  page = await browser.newPage();
}, T);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  for (const line of liveProcesses(marker))
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {}
  await c?.down();
}, T);

describe("the status page in Chromium, on the netns cluster", () => {
  test(
    "with the token address it lists every node with the numbers cluster-status --json gives",
    async () => {
      await page.goto(pageUrl);
      // The token left the address bar at once; it lives in this tab's sessionStorage.
      expect(page.url()).not.toContain("token");
      expect(await sessionStorageItems(page)).toBe(1);
      await waitForLoads(page, FIRST_LOADS);
      await markDocument(page);
      for (const [n, load] of Object.entries(LOADS)) await c.setLoad(n, load);
      await waitForLoads(page, LOADS);
      expect(await sameDocument(page)).toBe(true); // the numbers moved on by themselves
      const status = await cli(c, ["cluster-status", "--json"], env);
      const shown = await nodesOnPage(page);
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as {
        nodes: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(shown).sort()).toEqual(c.nodes);
      for (const [name, n] of Object.entries(report.nodes)) {
        const on = shown[name] as NodeOnPage;
        expect([name, on.status]).toEqual([name, n.status as string]);
        expect([name, on.load]).toEqual([name, n.load_1m as number]);
        expect([name, on.memory]).toEqual([name, n.memory_percent as number]);
        // CPU % is a difference of two /proc/stat reads: equal within the sampling tolerance.
        expect(Math.abs(on.cpu - (n.cpu_percent as number))).toBeLessThanOrEqual(5);
        expect(on.address).toContain(n.address as string);
        expect(on.capabilities).toBe((n.capabilities as string[]).join(", ") || "none");
        expect(on.osArch).toBe(`${n.os}/${n.arch}`);
        // Fields the page has no place for are listed by name (a field added later shows too).
        for (const key of ["load_5m", "load_15m", "method"])
          expect([name, key, on.more[key]]).toEqual([name, key, String(n[key])]);
      }
    },
    T,
  );

  test(
    "a finished run shows in recent runs: state, exit code, duration, node, requester",
    async () => {
      const run = await cli(c, ["run", "--json", "--node", "n2", "--", "echo done; exit 3"], env);
      expect(run.code).toBe(3);
      const { task_id } = JSON.parse(run.stdout) as { task_id: string };
      const row = page.locator(`#recent-table tr[data-task="${task_id}"]`);
      await row.waitFor({ timeout: 5000 });
      const cells = await row.locator("td").allTextContents();
      expect(await row.locator('[data-field="state"]').getAttribute("data-value")).toBe("failed");
      expect(cells.slice(1, 5)).toEqual([
        "3",
        expect.stringMatching(/^\d+(\.\d+)? m?s$/),
        "n2",
        "cli",
      ]);
      expect(cells[6]).toBe("echo done; exit 3");
    },
    T,
  );

  let taskId = "";

  test(
    "a task submitted with `submit` appears within 2 s and its output grows while it runs",
    async () => {
      const command = `i=0; while true; do i=$((i+1)); echo tick-$i; sleep ${marker}; done`;
      const sub = await cli(c, ["submit", "--node", "n1", "--", command], env);
      expect([sub.code, sub.stderr]).toEqual([0, ""]);
      taskId = sub.stdout.trim();
      const submitted = performance.now();
      await page.locator(taskCard(taskId)).waitFor({ timeout: 5000 });
      expect(performance.now() - submitted).toBeLessThan(2000);
      const card = page.locator(taskCard(taskId));
      expect(await card.locator('[data-field="node"]').textContent()).toBe("n1");

      const first = await waitForTick(page, taskId, 3);
      expect(await waitForTick(page, taskId, first + 5)).toBeGreaterThanOrEqual(first + 5);
      expect(await card.locator('[data-field="elapsed"]').textContent()).toMatch(/\d/);

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      // 360 px wide: everything reflows, nothing scrolls sideways.
      await page.setViewportSize({ width: 360, height: 800 });
      expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
      await page.screenshot({ path: SCREENSHOT_NARROW, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    T,
  );

  test(
    "its cancel button ends it: canceled, the process group killed on its node",
    async () => {
      expect(liveProcesses(marker).length).toBeGreaterThan(0); // the remote shell
      await page.locator(`${taskCard(taskId)} [data-action="cancel"]`).click();
      const row = page.locator(`#recent-table tr[data-task="${taskId}"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(await row.locator('[data-field="state"]').getAttribute("data-value")).toBe("canceled");
      expect(await page.locator(taskCard(taskId)).count()).toBe(0);
      expect(await waitGone(marker, 5000)).toEqual([]);
      const status = await cli(c, ["status", "--json", taskId], env);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: "canceled", canceled: true });
      await waitForAuditEnd(page, taskId, "canceled"); // the audit tail shows its end
    },
    T,
  );

  test(
    "a node killed mid-test turns unreachable on the page within 20 s, without a reload",
    async () => {
      await markDocument(page);
      const killed = performance.now();
      await c.script("kill-node", "n3");
      await waitForNodeStatus(page, "n3", "unreachable");
      expect(performance.now() - killed).toBeLessThan(20_000);
      expect(await sameDocument(page)).toBe(true);
      const shown = await nodesOnPage(page);
      expect([shown.n1?.status, shown.n2?.status]).toEqual(["healthy", "healthy"]);
      expect(await page.locator('[data-node="n3"] [data-field="notes"]').textContent()).toContain(
        "Last error",
      );
    },
    T,
  );

  test(
    "without a token: a prompt, no node name in the DOM or any response; a foreign Origin is refused",
    async () => {
      const base = pageUrl.replace(/#.*/, "");
      const other = await browser?.newPage(); // a new tab: its own, empty sessionStorage
      if (!other) throw new Error("no browser");
      // Every response the tab gets: address, status, headers and body.
      const responses: Promise<string>[] = [];
      other.on("response", (r) => {
        responses.push(
          r
            .text()
            .catch(() => "(no body)")
            .then((body) => `${r.url()} ${r.status()} ${JSON.stringify(r.headers())}\n${body}`),
        );
      });
      await other.goto(base);
      await other.locator("#login").waitFor({ state: "visible" });
      expect(await other.locator("#nodes").isHidden()).toBe(true);
      // A wrong token is refused and says so; still no data.
      await other.getByLabel("Token", { exact: true }).fill("not-the-token-at-all");
      await other.getByRole("button", { name: "Open" }).click();
      await other.getByText("That token was refused.").waitFor();
      const texts = await Promise.all(responses);
      expect(texts.some((t) => t.includes("/api/events 401"))).toBe(true);
      const names = /\bn[1-3]\b|10\.250\.0\./;
      const dom = await other.content();
      expect(dom.match(names)).toBeNull();
      for (const t of texts) expect(t.match(names)).toBeNull();
      await other.close();

      // Another origin, even with the right token: refused before anything is read.
      const token = decodeURIComponent(/#token=(.+)$/.exec(pageUrl)?.[1] as string);
      const probe = await c.ctl([
        process.execPath,
        "-e",
        `const r = await fetch(${JSON.stringify(`${base}api/events`)}, { headers: { authorization: "Bearer " + ${JSON.stringify(token)}, origin: "http://evil.example" } });
         console.log(r.status, await r.text());`,
      ]);
      expect(probe.stdout).toStartWith("403 ");
      expect(probe.stdout.match(names)).toBeNull();
    },
    T,
  );
});
