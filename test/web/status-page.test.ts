// The status page in a real browser (Debian's headless Chromium through playwright-core) against
// `serve` on the netns test cluster: the numbers `cluster-status --json` gives, a submitted task
// and its growing output, the cancel button, a node killed mid-test, and the token rules.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowserInCtl } from "../helpers/browser.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, inCtl, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, waitGone } from "../helpers/procs.ts";

// What the callbacks given to page.evaluate use of the browser's globals (they run in the page).
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  documentElement: { scrollWidth: number };
};
declare const window: Record<string, unknown>;
declare const sessionStorage: { length: number };

const T = 90_000;
/** Where the test leaves its screenshots (git-ignored; docs/status.png is one, copied by hand). */
const OUTPUT = join(import.meta.dir, "..", "..", ".test-output");
const SCREENSHOT = join(OUTPUT, "status.png");
const SCREENSHOT_NARROW = join(OUTPUT, "status-360.png");

let c: TestCluster;
let env: Record<string, string>;
let serve: ReturnType<typeof inCtl> | undefined;
let serveErr = "";
let pageUrl: string; // with #token=…
let browser: BrowserContext | undefined;
let page: Page;
const marker = `0.2${process.pid}${Math.floor(Math.random() * 1e5)}`; // a unique `sleep` argument

/** Fake loads, one per node, so every number on the page says which node it belongs to. */
const LOADS = {
  n1: { load1: 1.25, memTotalKb: 8_000_000, memAvailKb: 6_000_000, cpuBusyPercent: 10 }, // 25 %
  n2: { load1: 2.5, memTotalKb: 8_000_000, memAvailKb: 4_000_000, cpuBusyPercent: 30 }, // 50 %
  n3: { load1: 0.75, memTotalKb: 16_000_000, memAvailKb: 14_000_000, cpuBusyPercent: 5 }, // 12.5 %
};

/** Reads stderr until `serve` printed the status page's address. */
async function startServe(): Promise<string> {
  serve = inCtl(c, [process.execPath, CLI, "--config", c.configPath, "serve", "--port", "0"], env);
  const reader = serve.stderr.getReader();
  while (!/status page: \S+#token=\S+/.test(serveErr)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${serveErr}`);
    serveErr += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  void (async () => {
    for await (const chunk of serve.stderr) serveErr += new TextDecoder().decode(chunk);
  })();
  return /status page: (\S+)/.exec(serveErr)?.[1] as string;
}

beforeAll(async () => {
  c = await startCluster(3);
  for (const [n, load] of Object.entries(LOADS)) await c.setLoad(n, load);
  env = testEnv(c, { CLUSTER_SAMPLE_INTERVAL: "2" });
  pageUrl = await startServe();
  browser = await launchBrowserInCtl(c);
  page = await browser.newPage();
}, T);

afterAll(async () => {
  await browser?.close();
  if (serve) {
    serve.kill("SIGTERM");
    await serve.exited;
  }
  for (const line of liveProcesses(marker))
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {}
  await c?.down();
}, T);

interface NodeOnPage {
  status: string;
  cpu: number;
  load: number;
  memory: number;
  address: string;
  capabilities: string;
  osArch: string;
}

/** Every node card as the page shows it now. */
function nodesOnPage(p: Page): Promise<Record<string, NodeOnPage>> {
  return p.evaluate(() => {
    const out: Record<string, unknown> = {};
    for (const card of document.querySelectorAll("[data-node]")) {
      const f = (name: string) => card.querySelector(`[data-field="${name}"]`);
      out[card.dataset.node as string] = {
        status: f("status")?.getAttribute("data-value"),
        cpu: Number(f("cpu_percent")?.textContent),
        load: Number(f("load_1m")?.textContent),
        memory: Number(f("memory_percent")?.textContent),
        address: f("address")?.textContent,
        capabilities: f("capabilities")?.textContent,
        osArch: f("os_arch")?.textContent,
      };
    }
    return out as Record<string, NodeOnPage>;
  });
}

const taskCard = (id: string) => `#task-list [data-task="${id}"]`;

describe("the status page in Chromium, on the netns cluster", () => {
  test(
    "with the token address it lists every node with the numbers cluster-status --json gives",
    async () => {
      await page.goto(pageUrl);
      // The token left the address bar at once; it lives in this tab's sessionStorage.
      expect(page.url()).not.toContain("token");
      expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
      await page.waitForFunction(
        (loads) =>
          Object.entries(loads).every(
            ([n, l]) =>
              document.querySelector(`[data-node="${n}"] [data-field="load_1m"]`)?.textContent ===
              String(l.load1),
          ),
        LOADS,
        { timeout: 20_000 },
      );
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

      const ticks = async () => {
        const text = (await card.locator('[data-field="stdout"]').textContent()) ?? "";
        return Math.max(0, ...[...text.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1])));
      };
      await page.waitForFunction(
        (sel) =>
          /tick-3\b/.test(
            document.querySelector(`${sel} [data-field="stdout"]`)?.textContent ?? "",
          ),
        taskCard(taskId),
        { timeout: 10_000 },
      );
      const first = await ticks();
      await page.waitForFunction(
        ([sel, n]) => {
          const text = document.querySelector(`${sel} [data-field="stdout"]`)?.textContent ?? "";
          return [...text.matchAll(/tick-(\d+)/g)].some((m) => Number(m[1]) >= Number(n) + 5);
        },
        [taskCard(taskId), first] as const,
        { timeout: 10_000 },
      );
      expect(await ticks()).toBeGreaterThanOrEqual(first + 5);
      expect(await card.locator('[data-field="elapsed"]').textContent()).toMatch(/\d/);

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      // 360 px wide: everything reflows, nothing scrolls sideways.
      await page.setViewportSize({ width: 360, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        360,
      );
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
      // The audit tail shows its end.
      await page.waitForFunction(
        (id) =>
          [...document.querySelectorAll("#audit-list li")].some(
            (li) => li.textContent?.includes(`end ${id}`) && li.textContent.includes("canceled"),
          ),
        taskId,
        { timeout: 10_000 },
      );
    },
    T,
  );

  test(
    "a node killed mid-test turns unreachable on the page within 20 s, without a reload",
    async () => {
      await page.evaluate(() => {
        window.sameDocument = true;
      });
      const killed = performance.now();
      await c.script("kill-node", "n3");
      await page.waitForFunction(
        () =>
          document
            .querySelector('[data-node="n3"] [data-field="status"]')
            ?.getAttribute("data-value") === "unreachable",
        undefined,
        { timeout: 20_000 },
      );
      expect(performance.now() - killed).toBeLessThan(20_000);
      expect(await page.evaluate(() => window.sameDocument)).toBe(true);
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
