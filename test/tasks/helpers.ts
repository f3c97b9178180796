// Shared by the task tests: an isolated configuration (own HOME and state dir), reading the audit log.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config/load.ts";
import { closeStateDbs } from "../../src/state/db.ts";
import { AUDIT_FILE } from "../../src/tasks/audit.ts";
import { forgetOpenedTasks } from "../../src/tasks/open.ts";

export interface TempSetup {
  home: string;
  stateDir: string;
  env: Record<string, string>;
  config: Config;
  cleanup(): void;
}

/** The embedded default (a one-node cluster of this machine) with a private HOME and state dir. */
export function tempSetup(extra: Record<string, string> = {}): TempSetup {
  const home = mkdtempSync(join(tmpdir(), "ce-tasks-"));
  const stateDir = join(home, "state");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USER: "tester",
    CLUSTER_NO_DAEMON: "1",
    CLUSTER_STATE_DIR: stateDir,
    CLUSTER_MDNS_TIMEOUT: "0",
    ...extra,
  };
  return {
    home,
    stateDir,
    env,
    config: loadConfig({ env }),
    cleanup() {
      forgetOpenedTasks();
      closeStateDbs();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export type AuditLine = Record<string, unknown> & { event: string; task_id: string };

export function auditLines(stateDir: string): AuditLine[] {
  let files: string[];
  try {
    files = readdirSync(stateDir).filter((f) => f.startsWith(AUDIT_FILE));
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    readFileSync(join(stateDir, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditLine),
  );
}

/** Polls `check` (bounded) until it returns a value that is not undefined. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}
