// The status page test's helpers: starting `serve` in the controller namespace, and reading the
// page (the callbacks given to page.evaluate / waitForFunction run in the browser).
import type { Page } from "playwright-core";
import type { TestCluster } from "../helpers/cluster.ts";
import { CLI, inCtl } from "../helpers/ctl-harness.ts";

// The browser globals those callbacks use, as loosely typed as they need (tsc has no DOM library).
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  documentElement: { scrollWidth: number };
};
declare const window: Record<string, unknown>;
declare const sessionStorage: { length: number };

export interface Serve {
  proc: ReturnType<typeof inCtl>;
  /** The status page's address with #token=…, as printed. */
  url: string;
  stop(): Promise<void>;
}

/** `serve --port 0` in the controller namespace; resolves once it printed the page's address. */
export async function startServe(c: TestCluster, env: Record<string, string>): Promise<Serve> {
  const proc = inCtl(
    c,
    [process.execPath, CLI, "--config", c.configPath, "serve", "--port", "0"],
    env,
  );
  let err = "";
  const reader = proc.stderr.getReader();
  while (!/status page: \S+#token=\S+/.test(err)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${err}`);
    err += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  void proc.stderr.pipeTo(new WritableStream()).catch(() => {}); // keep the pipe drained
  return {
    proc,
    url: /status page: (\S+)/.exec(err)?.[1] as string,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

export interface NodeOnPage {
  status: string;
  cpu: number;
  load: number;
  memory: number;
  address: string;
  capabilities: string;
  osArch: string;
  /** The report's other fields, shown by name: field → text. */
  more: Record<string, string>;
}

/** Every node card as the page shows it now. */
export function nodesOnPage(page: Page): Promise<Record<string, NodeOnPage>> {
  return page.evaluate(() => {
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
        more: Object.fromEntries(
          [...card.querySelectorAll(".more [data-field]")].map((dd) => [
            dd.getAttribute("data-field"),
            dd.textContent,
          ]),
        ),
      };
    }
    return out as Record<string, NodeOnPage>;
  });
}

/** Until every node named shows that 1-minute load. */
/**
 * Until every node shows its load and, when it has one, its fake CPU busy % (within 2 points): CPU
 * is a difference of two reads, so the first sample after a change can still mix old and new.
 */
export async function waitForLoads(
  page: Page,
  loads: Record<string, { load1: number; cpuBusyPercent?: number }>,
) {
  await page.waitForFunction(
    (want) =>
      Object.entries(want).every(([n, l]) => {
        const field = (f: string) =>
          document.querySelector(`[data-node="${n}"] [data-field="${f}"]`)?.textContent;
        const cpu = Number(field("cpu_percent"));
        return (
          field("load_1m") === String(l.load1) &&
          (l.cpuBusyPercent === undefined || Math.abs(cpu - l.cpuBusyPercent) <= 2)
        );
      }),
    loads,
    { timeout: 20_000 },
  );
}

export const taskCard = (id: string) => `#task-list [data-task="${id}"]`;

/** Until the running task's output tail shows a line `tick-N` with N >= atLeast; returns N. */
export async function waitForTick(page: Page, taskId: string, atLeast: number): Promise<number> {
  const handle = await page.waitForFunction(
    ([sel, n]) => {
      const text = document.querySelector(`${sel} [data-field="stdout"]`)?.textContent ?? "";
      const ticks = [...text.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]));
      const top = Math.max(0, ...ticks);
      return top >= Number(n) ? top : false;
    },
    [taskCard(taskId), atLeast] as const,
    { timeout: 10_000 },
  );
  return (await handle.jsonValue()) as number;
}

export async function waitForNodeStatus(page: Page, node: string, status: string) {
  await page.waitForFunction(
    ([n, s]) =>
      document
        .querySelector(`[data-node="${n}"] [data-field="status"]`)
        ?.getAttribute("data-value") === s,
    [node, status] as const,
    { timeout: 20_000 },
  );
}

/** Until the audit tail lists the task's end record in that state. */
export async function waitForAuditEnd(page: Page, taskId: string, state: string) {
  await page.waitForFunction(
    ([id, s]) =>
      [...document.querySelectorAll("#audit-list li")].some(
        (li) => li.textContent?.includes(`end ${id}`) && li.textContent.includes(s),
      ),
    [taskId, state] as const,
    { timeout: 10_000 },
  );
}

/** Marks the current document; `sameDocument` is true until the page reloads or navigates. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.markedByTest = true;
  });
}

export function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => window.markedByTest === true);
}

export const scrollWidth = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth);

export const sessionStorageItems = (page: Page) => page.evaluate(() => sessionStorage.length);
