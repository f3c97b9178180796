// Builds the effective configuration from the file, the environment (handed in by load.ts, the
// only reader of process.env) and flags: flags > environment > TOML file > defaults, validated by
// the one schema. Loaded only when a verb needs the configuration (it brings zod).
import { readFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { configError } from "./errors.ts";
import { expandHome, isRecord, readConfigFile } from "./file.ts";
import { envNodeKey } from "./names.ts";
import { type FileConfig, fileSchema } from "./schema.ts";
import { SETTINGS, type SettingKey, withDefaults } from "./settings.ts";
import type { Config, LoadOptions, NodeConfig, Settings } from "./types.ts";

/**
 * Environment variables read outside the settings table; CLUSTER_TASK_ID is what every run carries
 * (a command that calls cluster-exec again must not be warned about it).
 */
const OTHER_ENV = new Set(["CLUSTER_CONFIG", "CLUSTER_TASK_ID"]);

export function buildConfig(
  opts: LoadOptions & { env: Record<string, string | undefined> },
): Config {
  const env = opts.env;
  const home = env.HOME ?? os.homedir();
  const { path, raw } = opts.noFile
    ? { path: "(environment and defaults)", raw: {} }
    : readConfigFile(opts.configPath ?? env.CLUSTER_CONFIG, env, home);
  const where = path ?? "embedded default";
  const origin = new Map<string, string>(); // "defaults.ssh_timeout" → how to name it in errors
  const warnings: string[] = [];

  const defaults = { ...(isRecord(raw.defaults) ? raw.defaults : {}) } as Record<string, unknown>;
  for (const key of Object.keys(defaults))
    origin.set(`defaults.${key}`, `defaults.${key} in ${where}`);
  for (const [key, def] of Object.entries(SETTINGS) as [
    SettingKey,
    (typeof SETTINGS)[SettingKey],
  ][]) {
    const value = env[def.env];
    if (value === undefined || value === "") continue;
    defaults[key] =
      def.kind === "number" ? toNumber(value) : def.kind === "boolean" ? toBoolean(value) : value;
    origin.set(`defaults.${key}`, `${def.env} (environment)`);
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    if (value === undefined) continue;
    const kind = SETTINGS[key as SettingKey]?.kind;
    defaults[key] =
      typeof value !== "string"
        ? value
        : kind === "number"
          ? toNumber(value)
          : kind === "boolean"
            ? toBoolean(value)
            : value;
    origin.set(`defaults.${key}`, `--${key.replaceAll("_", "-")} (flag)`);
  }

  const nodes = structuredClone(isRecord(raw.nodes) ? raw.nodes : {}) as Record<string, unknown>;
  const envNodeKeys = new Map<string, string>();
  for (const [name, node] of Object.entries(nodes)) {
    envNodeKeys.set(envNodeKey(name), name);
    if (!isRecord(node)) continue;
    for (const key of Object.keys(node))
      origin.set(`nodes.${name}.${key}`, `nodes.${name}.${key} in ${where}`);
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith("CLUSTER_") || value === undefined) continue;
    const m = /^CLUSTER_([A-Z0-9]+)_(HOST|IP)$/.exec(variable);
    const nodeName = m ? envNodeKeys.get(m[1] as string) : undefined;
    if (m && nodeName) {
      const node = nodes[nodeName];
      if (!isRecord(node)) continue; // the schema reports the node itself
      const field = (m[2] as string).toLowerCase();
      node[field] = value;
      origin.set(`nodes.${nodeName}.${field}`, `${variable} (environment)`);
    } else if (!isKnownEnv(variable)) {
      warnings.push(
        m
          ? `${variable} names no node of the inventory (known: ${[...envNodeKeys.keys()].join(", ") || "none"})`
          : `${variable} is not a cluster-exec setting; ignored`,
      );
    }
  }

  // A `defaults` or `nodes` that is not a table goes to the schema as written, to be reported.
  const parsed = fileSchema.safeParse(
    {
      ...raw,
      defaults: raw.defaults === undefined || isRecord(raw.defaults) ? defaults : raw.defaults,
      nodes: raw.nodes === undefined || isRecord(raw.nodes) ? nodes : raw.nodes,
    },
    { reportInput: true },
  );
  if (!parsed.success) throw configError(parsed.error.issues, origin, where);
  return build(parsed.data, where, env, home, warnings);
}

function build(
  file: FileConfig,
  source: string,
  env: Record<string, string | undefined>,
  home: string,
  warnings: string[],
): Config {
  const d = file.defaults;
  const user = d.user ?? env.USER ?? env.LOGNAME ?? safeUsername();
  const stateBase = env.AGENTIC_SYSTEM_PATH
    ? join(expandHome(env.AGENTIC_SYSTEM_PATH, home), "cluster-exec")
    : join(env.XDG_STATE_HOME || join(home, ".local", "state"), "cluster-exec");
  const settings: Settings = {
    ...withDefaults(d),
    user,
    state_dir: d.state_dir ? resolve(expandHome(d.state_dir, home)) : stateBase,
    ssh_config: d.ssh_config ? resolve(expandHome(d.ssh_config, home)) : undefined,
    identity_file: d.identity_file ? expandHome(d.identity_file, home) : undefined,
    port: d.port ?? 22,
    writable: d.writable ?? [],
    http_origins: (d.http_origins ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    protected_paths: listOf(d.protected_paths ?? "@default"),
    ssh_auth_sock: env.SSH_AUTH_SOCK || undefined,
    home,
  };
  const nodes: Record<string, NodeConfig> = {};
  for (const [name, n] of Object.entries(file.nodes)) {
    const identity = n.identity_file ?? d.identity_file;
    nodes[name] = {
      ...n,
      name,
      // A slurm node without host submits from this machine.
      host: n.host ?? (n.kind === "slurm" ? "localhost" : name),
      user: n.user ?? user,
      port: n.port ?? settings.port,
      identity_file: identity ? expandHome(identity, home) : undefined,
      binary_path: n.binary_path ?? settings.binary_path,
      sandbox: n.sandbox ?? settings.sandbox,
      writable: n.writable ?? settings.writable,
      transport: n.transport ?? d.transport ?? "auto",
      explicit: { user: (n.user ?? d.user) !== undefined, port: (n.port ?? d.port) !== undefined },
    };
  }
  return { source, settings, nodes, warnings };
}

/** A list setting given as a TOML list or a comma-separated string. */
function listOf(value: string | string[]): string[] {
  const items = Array.isArray(value) ? value : value.split(",");
  return items.map((v) => v.trim()).filter(Boolean);
}

function isKnownEnv(variable: string): boolean {
  return OTHER_ENV.has(variable) || Object.values(SETTINGS).some((s) => s.env === variable);
}

function toNumber(value: string): number | string {
  const n = Number(value.trim());
  return value.trim() !== "" && Number.isFinite(n) ? n : value;
}

/** "true"/"1"/"yes"/"on" and their opposites; anything else is left for the schema to reject. */
function toBoolean(value: string): boolean | string {
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  return value;
}

/** The login name without $USER: os.userInfo() can say "unknown" (seen under Bun), /etc/passwd cannot. */
function safeUsername(): string {
  try {
    const name = os.userInfo().username;
    if (name && name !== "unknown") return name;
  } catch {
    // no passwd entry for the uid: fall through
  }
  const uid = process.getuid?.() ?? -1;
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && Number(id) === uid) return name;
    }
  } catch {
    // not readable
  }
  return uid === 0 ? "root" : `uid${uid}`;
}
