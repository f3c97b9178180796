// Starting a task's runner: the same program (`__run-task ID`) in a new session, detached from the
// submitter so the task outlives the CLI call or the MCP request.
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/load.ts";
import { processIdentity } from "./liveness.ts";
import type { RunnerRef } from "./store.ts";

const CLI_SOURCE = join(import.meta.dir, "..", "cli.ts");

/**
 * A compiled binary's entry lives in Bun's embedded file system (/$bunfs/root/..., B:/~BUN/ on
 * Windows); source mode needs the entry file. (import.meta.path cannot tell: the bundler inlines
 * the source path.)
 */
export function isCompiled(main = Bun.main): boolean {
  return main.startsWith("/$bunfs/") || main.includes("~BUN");
}

/** `resume`: follow the task's existing batch job (its first runner is gone). */
export function runnerArgv(id: string, config: Config, resume = false): string[] {
  const self = isCompiled() ? [process.execPath] : [process.execPath, CLI_SOURCE];
  const cfg = config.source === "embedded default" ? [] : ["--config", config.source];
  return [...self, ...cfg, "__run-task", id, ...(resume ? ["--resume"] : [])];
}

export type SpawnRunner = (
  config: Config,
  id: string,
  logPath: string,
  opts?: { resume?: boolean },
) => RunnerRef;

export const spawnRunner: SpawnRunner = (config, id, logPath, opts = {}) =>
  spawnIn(config, id, logPath, { cwd: process.cwd(), env: process.env }, opts.resume);

/** A runner started in the caller's directory and environment (a front of the background process). */
export function spawnRunnerIn(local: {
  cwd: string;
  env: Record<string, string | undefined>;
}): SpawnRunner {
  return (config, id, logPath, opts = {}) => spawnIn(config, id, logPath, local, opts.resume);
}

function spawnIn(
  config: Config,
  id: string,
  logPath: string,
  local: { cwd: string; env: Record<string, string | undefined> },
  resume?: boolean,
): RunnerRef {
  // The runner's own stderr goes to a log beside the output: its diagnostics, should it crash.
  const log = openSync(logPath, "a", 0o600);
  try {
    const proc = Bun.spawn(runnerArgv(id, config, resume), {
      detached: true, // setsid(): no terminal, no process group shared with the submitter
      stdin: "ignore",
      stdout: "ignore",
      stderr: log,
      // The runner must find the task where it was stored, whatever set the state directory.
      env: { ...local.env, CLUSTER_STATE_DIR: config.settings.state_dir },
      cwd: local.cwd,
    });
    proc.unref();
    return { pid: proc.pid, identity: processIdentity(proc.pid) ?? null };
  } finally {
    closeSync(log);
  }
}
