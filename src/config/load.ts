// The configuration's entry: its types, and the only module that reads process.env. loadConfig
// validates (build.ts, loaded on first use: it brings zod); frontFacts reads the few settings the
// thin CLI front needs before deciding whether to load anything else.
import os from "node:os";
import { join, resolve } from "node:path";
import { expandHome, isRecord, readConfigFile } from "./file.ts";
import type { Config, LoadOptions } from "./types.ts";

export { envNodeKey } from "./names.ts";

export type {
  Config,
  LoadOptions,
  NodeConfig,
  Settings,
  Transport,
} from "./types.ts";

/** Where the configuration file is read from (or written to by init): --config, $CLUSTER_CONFIG, XDG. */
export function configFilePath(
  explicit?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const home = env.HOME ?? os.homedir();
  const given = explicit ?? env.CLUSTER_CONFIG;
  if (given) return resolve(expandHome(given, home));
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "cluster-exec", "cluster.toml");
}

export function loadConfig(opts: LoadOptions = {}): Config {
  // Loaded here, synchronously and once: verbs that never need the configuration (version,
  // --help, the daemon's thin fronts) never pay for the schema.
  const { buildConfig } = require("./build.ts") as typeof import("./build.ts");
  return buildConfig({ ...opts, env: opts.env ?? process.env });
}

/** What the CLI front needs, from the environment and the file's [defaults] alone (no schema). */
export interface FrontFacts {
  stateDir: string;
  /** CLUSTER_NO_DAEMON, or no_daemon in the file. */
  noDaemon: boolean;
  /** Seconds the background process stays without work (daemon_idle; checked when it loads it). */
  daemonIdle: number;
  /** The environment a background process must see to load the same configuration. */
  env: Record<string, string>;
}

export function frontFacts(configPath: string | undefined): FrontFacts {
  const env = process.env;
  const home = env.HOME ?? os.homedir();
  let defaults: Record<string, unknown> = {};
  try {
    const raw = readConfigFile(configPath ?? env.CLUSTER_CONFIG, env, home).raw;
    if (isRecord(raw.defaults)) defaults = raw.defaults;
  } catch {
    // a broken file is reported by whoever loads it for real
  }
  const stateDirSetting = env.CLUSTER_STATE_DIR || (defaults.state_dir as string | undefined);
  const stateDir = stateDirSetting
    ? resolve(expandHome(stateDirSetting, home))
    : env.AGENTIC_SYSTEM_PATH
      ? join(expandHome(env.AGENTIC_SYSTEM_PATH, home), "cluster-exec")
      : join(env.XDG_STATE_HOME || join(home, ".local", "state"), "cluster-exec");
  const flag = (env.CLUSTER_NO_DAEMON ?? "").trim().toLowerCase();
  const noDaemon = flag ? ["1", "true", "yes", "on"].includes(flag) : defaults.no_daemon === true;
  const idleText = env.CLUSTER_DAEMON_IDLE ?? defaults.daemon_idle;
  const idle = Number(idleText ?? 300);
  const passed: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) passed[k] = v;
  return {
    stateDir,
    noDaemon,
    daemonIdle: Number.isFinite(idle) && idle >= 0 ? idle : 300,
    env: passed,
  };
}
