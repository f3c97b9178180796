// Helpers for the netns tests of discovery and sampling: run cluster-status in the controller
// namespace, write config variants, run fixture processes and read their JSON lines.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StatusReport } from "../../src/cluster/report.ts";
import type { TestCluster } from "../helpers/cluster.ts";

export const CLI = join(import.meta.dir, "..", "..", "src", "cli.ts");

export interface StatusRun {
  code: number | null;
  report: StatusReport;
  stderr: string;
  ms: number;
}

/** `cluster-status --json` inside the controller namespace, timed from spawn to exit. */
export async function clusterStatus(
  c: TestCluster,
  configPath: string,
  env: Record<string, string>,
): Promise<StatusRun> {
  const t0 = performance.now();
  const r = await c.ctl(
    [process.execPath, CLI, "--config", configPath, "cluster-status", "--json"],
    {
      env,
      timeoutMs: 30_000,
    },
  );
  const ms = performance.now() - t0;
  let report: StatusReport;
  try {
    report = JSON.parse(r.stdout) as StatusReport;
  } catch {
    throw new Error(`cluster-status printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr, ms };
}

/** A copy of the cluster's config with `edit` applied, written next to it. */
export function configVariant(
  c: TestCluster,
  name: string,
  edit: (toml: string) => string,
): string {
  const text = Bun.spawnSync(["cat", c.configPath]).stdout.toString();
  const path = join(c.dir, `${name}.toml`);
  writeFileSync(path, edit(text));
  return path;
}

/** Replaces `key = ...` inside `[nodes.NODE]`. */
export function setNodeKey(toml: string, node: string, key: string, value: string): string {
  const re = new RegExp(`(\\[nodes\\.${node}\\][^\\[]*?\\n${key} = )[^\\n]*`);
  if (!re.test(toml)) throw new Error(`no ${key} in [nodes.${node}]`);
  return toml.replace(re, `$1${value}`);
}

export interface LineProcess {
  lines: Record<string, unknown>[];
  /** Waits (bounded) for a line matching `pred`, scanning from index `from`. */
  waitFor(
    what: string,
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs: number,
    from?: number,
  ): Promise<Record<string, unknown>>;
  write(text: string): void;
  exited: Promise<number>;
  kill(): Promise<void>;
}

/** Spawns argv and collects its stdout JSON lines as they come. */
export function lineProcess(argv: string[]): LineProcess {
  const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ raw: line });
        }
        for (const w of waiters) w();
        i = buf.indexOf("\n");
      }
    }
  })();
  return {
    lines,
    waitFor(what, pred, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find(pred);
          if (!hit) return false;
          cleanup();
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; last lines: ${JSON.stringify(lines.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        if (!check()) waiters.add(check);
      });
    },
    write(text) {
      proc.stdin.write(text);
      proc.stdin.flush();
    },
    exited: proc.exited,
    async kill() {
      proc.kill("SIGTERM");
      const done = await Promise.race([
        proc.exited.then(() => true),
        Bun.sleep(3000).then(() => false),
      ]);
      if (!done) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** Runs `fn` until it returns true, at most `timeoutMs`; throws naming `what` otherwise. */
export async function pollUntil(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
