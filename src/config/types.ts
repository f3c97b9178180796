// The configuration's types: what loadConfig returns (load.ts re-exports them).
import type { SandboxLevel } from "./sandbox-level.ts";
import type { Arch, Os } from "./schema.ts";
import type { SettingKey, TableSettings } from "./settings.ts";

export type Transport = "ssh2" | "openssh" | "auto";

export interface NodeConfig {
  name: string;
  /** ssh: a machine reached over SSH (or this one); slurm: a partition, via its submit host. */
  kind: "ssh" | "slurm";
  /** The machine itself (ssh), or the Slurm submit host (slurm; "localhost" = this machine). */
  host: string;
  ip?: string;
  os?: Os;
  arch?: Arch;
  cores?: number;
  capabilities: string[];
  specialties: string[];
  user: string;
  identity_file?: string;
  port: number;
  /** Where cluster-exec is (or goes, with `deploy`) on the node; `~/` is the node's home. */
  binary_path: string;
  /** How the node is reached (the node's own, else [defaults]); "auto" (also when absent) asks `ssh -G`. */
  transport?: Transport;
  /** Whether user / port were configured (node, [defaults] or environment) rather than defaulted: only those are passed to `ssh`, so its own config can say the rest. */
  explicit?: { user: boolean; port: boolean };
  allow?: string[];
  deny?: string[];
  /** The node's sandbox level (its own, else [defaults]); a run may only tighten it. */
  sandbox: SandboxLevel;
  /** Extra paths a sandbox leaves writable ("~/" is the node's home). */
  writable: string[];
  /** kind = "slurm" only: where and how jobs are submitted. */
  partition?: string;
  account?: string;
  qos?: string;
  cpus_per_task?: number;
  /** Slurm --time form, e.g. "2:00:00". */
  time_limit?: string;
}

/** The effective settings: the table's (settings.ts) plus what is derived from the environment. */
export type Settings = Omit<
  TableSettings,
  "user" | "state_dir" | "http_origins" | "protected_paths"
> & {
  user: string;
  state_dir: string;
  http_origins: string[];
  /** The command policy's protected paths (`@default` stands for its built-in list). */
  protected_paths: string[];
  identity_file?: string;
  port: number;
  /** [defaults] writable: extra paths a sandbox leaves writable. */
  writable: string[];
  /** ssh-agent socket ($SSH_AUTH_SOCK), if any. */
  ssh_auth_sock?: string;
  /** The user's home directory, for the usual ~/.ssh keys. */
  home: string;
};

export interface Config {
  /** Path of the file read, or "embedded default". */
  source: string;
  settings: Settings;
  nodes: Record<string, NodeConfig>;
  warnings: string[];
}

export interface LoadOptions {
  /** --config flag. */
  configPath?: string;
  /** Flag overrides, highest precedence. */
  overrides?: Partial<Record<SettingKey, string | number>>;
  env?: Record<string, string | undefined>;
  /** Settings from the environment and defaults only, no nodes (init, which writes the file). */
  noFile?: boolean;
}
