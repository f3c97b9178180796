// Test helper: Debian's headless Chromium, driven by playwright-core, inside a test cluster's
// controller namespace, where `serve` listens on that namespace's 127.0.0.1. Playwright stays in
// the test process; the browser it starts is /usr/bin/chromium entered into the namespace by a
// two-line wrapper (`ip netns exec` keeps the pipe descriptors Playwright talks over). Never a
// browser download: no other executable is used.
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import type { TestCluster } from "./cluster.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, hermetic headless run: no sandbox (root), no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh profile (user-data-dir) under the cluster's directory, removed with it. */
export async function launchBrowserInCtl(
  cluster: TestCluster,
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run \`sudo bash scripts/test-cluster.sh deps\``);
  const wrapper = join(cluster.dir, "chromium-in-ctl");
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${cluster.id}-ctl ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const profile = mkdtempSync(join(cluster.dir, "chromium-profile-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: wrapper,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 60_000,
  });
}
