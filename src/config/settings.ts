// The table of tunable settings: snake_case key in [defaults], environment variable, default, meaning.
// Schema, environment mapping and the README table are all derived from this one list.
import { z } from "zod";
import { sandboxLevelSchema } from "./sandbox-level.ts";
import { PROCESS_SETTINGS } from "./settings-process.ts";

/** Timers cannot wait longer than 2^31 ms (~24.8 days); a larger value would fire at once. */
const MAX_SECONDS = 2_000_000;
const seconds = (min: number, exclusive = false) =>
  (exclusive
    ? z.number({ error: "expected a number of seconds" }).gt(min, `expected seconds > ${min}`)
    : z.number({ error: "expected a number of seconds" }).min(min, `expected seconds >= ${min}`)
  ).max(MAX_SECONDS, `expected at most ${MAX_SECONDS} seconds`);
const percent = z
  .number({ error: "expected a percentage" })
  .gt(0, "expected a percentage in (0, 100]")
  .max(100, "expected a percentage in (0, 100]");
const count = z.number({ error: "expected a whole number" }).int("expected a whole number").min(0);
const MiB = 1024 * 1024;
/** A size in bytes between MIN and MAX: a huge one would be accepted and then exhaust memory. */
const bytes = (min: number, max: number) =>
  count
    .min(min, `expected at least ${min} bytes`)
    .max(max, `expected at most ${max} bytes (${max / MiB} MiB)`);
const PATH_ENTRY = /^(@default|\/.*|~(\/.*)?)$/;

export interface SettingDef {
  env: string;
  type: z.ZodType;
  /** Human text for the README; undefined default means "unset". */
  default: string | number | boolean | undefined;
  meaning: string;
  kind: "number" | "string" | "boolean";
}

export const SETTINGS = {
  user: {
    env: "CLUSTER_SSH_USER",
    type: z.string().min(1, "expected a user name"),
    default: undefined, // the current user, filled in by load.ts
    meaning: "SSH user for every node (a node may override it)",
    kind: "string",
  },
  ssh_timeout: {
    env: "CLUSTER_SSH_TIMEOUT",
    type: seconds(0, true),
    default: 5,
    meaning: "seconds allowed for the SSH handshake and authentication",
    kind: "number",
  },
  ssh_connect_timeout: {
    env: "CLUSTER_SSH_CONNECT_TIMEOUT",
    type: seconds(0, true),
    default: 2,
    meaning: "seconds allowed for the TCP connect to a node",
    kind: "number",
  },
  ssh_retries: {
    env: "CLUSTER_SSH_RETRIES",
    type: count.max(10, "expected at most 10 retries"),
    default: 2,
    meaning:
      "retries (with backoff) of failures before a command was sent; a command is never re-sent",
    kind: "number",
  },
  ssh_keepalive: {
    env: "CLUSTER_SSH_KEEPALIVE",
    type: seconds(0, true).max(600, "expected at most 600 seconds"),
    default: 5,
    meaning:
      "seconds between SSH keepalives (ssh2's keepalive, OpenSSH's ServerAliveInterval); 3 unanswered ones end the connection",
    kind: "number",
  },
  transport: {
    env: "CLUSTER_SSH_TRANSPORT",
    type: z.enum(["ssh2", "openssh", "auto"], { error: 'expected "ssh2", "openssh" or "auto"' }),
    default: "auto",
    meaning:
      "how nodes are reached: `ssh2` (in-process, pooled), `openssh` (the `ssh` program, your ssh config, one ControlMaster per node) or `auto` (openssh where `ssh -G HOST` shows something ssh2 cannot honour); a node may override it",
    kind: "string",
  },
  ssh_config: {
    env: "CLUSTER_SSH_CONFIG",
    type: z.string().min(1, "expected an ssh config file path"),
    default: undefined,
    meaning:
      "ssh config file for the openssh transport and `auto` (`ssh -F FILE`); default ssh's own (~/.ssh/config, /etc/ssh/ssh_config)",
    kind: "string",
  },
  ...PROCESS_SETTINGS,
  cpu_threshold: {
    env: "CLUSTER_CPU_THRESHOLD",
    type: percent,
    default: 40,
    meaning: "CPU % above which a node counts as busy (offload / degraded)",
    kind: "number",
  },
  load_threshold: {
    env: "CLUSTER_LOAD_THRESHOLD",
    type: z.number({ error: "expected a load average" }).positive("expected a load average > 0"),
    default: 4,
    meaning: "1-minute load average above which a node counts as busy",
    kind: "number",
  },
  memory_threshold: {
    env: "CLUSTER_MEMORY_THRESHOLD",
    type: percent,
    default: 80,
    meaning: "memory % above which a node counts as busy",
    kind: "number",
  },
  cmd_timeout: {
    env: "CLUSTER_CMD_TIMEOUT",
    type: seconds(0, true),
    default: 300,
    meaning: "default command timeout in seconds (the whole process group is killed)",
    kind: "number",
  },
  status_timeout: {
    env: "CLUSTER_STATUS_TIMEOUT",
    type: seconds(0, true),
    default: 5,
    meaning: "seconds `cluster-status` may take, nodes that are down included",
    kind: "number",
  },
  ip_cache_ttl: {
    env: "CLUSTER_IP_CACHE_TTL",
    type: seconds(0),
    default: 300,
    meaning: "seconds a resolved node address is cached",
    kind: "number",
  },
  mdns_timeout: {
    env: "CLUSTER_MDNS_TIMEOUT",
    type: seconds(0).max(10, "expected at most 10 seconds"),
    default: 1,
    meaning: "seconds an mDNS lookup of a node's `.local` name may take; 0 turns mDNS off",
    kind: "number",
  },
  sample_interval: {
    env: "CLUSTER_SAMPLE_INTERVAL",
    type: seconds(0.2).max(3600, "expected at most 3600 seconds"),
    default: 5,
    meaning: "seconds between two background load samples of every node",
    kind: "number",
  },
  advertise: {
    env: "CLUSTER_ADVERTISE",
    type: z.boolean({ error: "expected true or false" }),
    default: false,
    meaning:
      "`serve` and `mcp` answer mDNS queries for this node's own name (for machines without avahi/Bonjour)",
    kind: "boolean",
  },
  gateway: {
    env: "CLUSTER_GATEWAY",
    type: z.string().min(1, "expected an address"),
    default: undefined,
    meaning:
      "accepted for compatibility with the origin; unused (every interface address is checked) and never contacted",
    kind: "string",
  },
  dns: {
    env: "CLUSTER_DNS",
    type: z.string().min(1, "expected an address"),
    default: undefined,
    meaning:
      "accepted for compatibility with the origin; unused (every interface address is checked) and never contacted",
    kind: "string",
  },
  state_dir: {
    env: "CLUSTER_STATE_DIR",
    type: z.string().min(1, "expected a directory path"),
    default: undefined, // $AGENTIC_SYSTEM_PATH/cluster-exec, else $XDG_STATE_HOME/cluster-exec
    meaning:
      "state directory (database, known hosts, audit log); default $AGENTIC_SYSTEM_PATH/cluster-exec, else $XDG_STATE_HOME/cluster-exec",
    kind: "string",
  },
  output_limit: {
    env: "CLUSTER_OUTPUT_LIMIT",
    type: bytes(1024, 256 * MiB),
    default: 1_048_576,
    meaning:
      "bytes of each stream kept in a run's result and in its stored output (head and tail halves, a marker between); at most 256 MiB",
    kind: "number",
  },
  output_store_max_bytes: {
    env: "CLUSTER_OUTPUT_STORE_MAX_BYTES",
    type: count
      .min(1_048_576, "expected at least 1048576 bytes")
      .max(2 ** 44, "expected at most 17592186044416 bytes (16 TiB)"),
    default: 536_870_912,
    meaning:
      "total bytes of stored run output (every run's, capped by output_limit); past it the oldest runs' output is removed first",
    kind: "number",
  },
  mcp_output_limit: {
    env: "CLUSTER_MCP_OUTPUT_LIMIT",
    type: count
      .min(2000, "expected at least 2000 characters")
      .max(1_000_000, "expected at most 1000000 characters"),
    default: 40_000,
    meaning:
      "characters an MCP tool result may take when the run succeeded (both blocks, serialized); longer output is cut to head and tail and paged with task_output",
    kind: "number",
  },
  mcp_error_output_limit: {
    env: "CLUSTER_MCP_ERROR_OUTPUT_LIMIT",
    type: count
      .min(2000, "expected at least 2000 characters")
      .max(1_000_000, "expected at most 1000000 characters"),
    default: 10_000,
    meaning:
      "the same for a run that failed, timed out or was canceled (agents cut error results sooner); stderr is favoured",
    kind: "number",
  },
  mcp_batch_output_limit: {
    env: "CLUSTER_MCP_BATCH_OUTPUT_LIMIT",
    type: count
      .min(20_000, "expected at least 20000 characters")
      .max(4_000_000, "expected at most 4000000 characters"),
    default: 100_000,
    meaning:
      "characters a parallel_execute result may take in all, shared by its items (failing items get three times the share)",
    kind: "number",
  },
  kill_grace: {
    env: "CLUSTER_KILL_GRACE",
    type: seconds(0),
    default: 2,
    meaning: "seconds between SIGTERM and SIGKILL when a run is stopped",
    kind: "number",
  },
  http_token: {
    env: "CLUSTER_HTTP_TOKEN",
    type: z.string().min(16, "expected a token of at least 16 characters"),
    default: undefined, // generated once into <state_dir>/http-token (0600)
    meaning:
      "bearer token `serve` requires on every /mcp request; default: generated once into <state_dir>/http-token (0600)",
    kind: "string",
  },
  http_origins: {
    env: "CLUSTER_HTTP_ORIGINS",
    type: z.string(),
    default: undefined,
    meaning: "comma-separated Origins allowed to call `serve` from a browser; default none",
    kind: "string",
  },
  http_max_body: {
    env: "CLUSTER_HTTP_MAX_BODY",
    type: bytes(1024, 64 * MiB),
    // A 1 MiB command line (a heredoc writing a file) or a put_file of a few MB, JSON-escaped.
    default: 4 * MiB,
    meaning: "largest HTTP request body `serve` accepts, in bytes; at most 64 MiB",
    kind: "number",
  },
  http_session_idle: {
    env: "CLUSTER_HTTP_SESSION_IDLE",
    type: seconds(0, true),
    default: 1800,
    meaning: "seconds after which an idle MCP HTTP session is closed",
    kind: "number",
  },
  task_timeout: {
    env: "CLUSTER_TASK_TIMEOUT",
    type: seconds(0, true),
    default: 3600,
    meaning:
      "default timeout in seconds of a background task (`submit`, `background: true`); foreground runs use CLUSTER_CMD_TIMEOUT",
    kind: "number",
  },
  task_retention: {
    env: "CLUSTER_TASK_RETENTION",
    type: z
      .number({ error: "expected a number of days" })
      .gt(0, "expected days > 0")
      .max(3650, "expected at most 3650 days"),
    default: 7,
    meaning: "days a finished task (its row and output files) is kept before it is pruned",
    kind: "number",
  },
  file_max_bytes: {
    env: "CLUSTER_FILE_MAX_BYTES",
    type: count
      .min(1024, "expected at least 1024 bytes")
      .max(2 ** 32, "expected at most 4294967296 bytes (4 GiB)"),
    default: 64 * 1_048_576,
    meaning:
      "largest file `put_file` and `cluster-exec copy` write (an append counts the whole file) or `copy` reads from a node, in bytes; `get_file` reads any file, a page at a time",
    kind: "number",
  },
  binary_path: {
    env: "CLUSTER_BINARY_PATH",
    type: z
      .string()
      .regex(/^(\/|~\/)./, 'expected an absolute path or one under the home directory ("~/...")'),
    default: "~/.local/bin/cluster-exec",
    meaning:
      "where `deploy` puts cluster-exec on a node and where sampling looks for it first (then `cluster-exec` on the PATH); a node may set its own",
    kind: "string",
  },
  sandbox: {
    env: "CLUSTER_SANDBOX",
    type: sandboxLevelSchema,
    default: "off",
    meaning:
      "OS sandbox around every run: `off`, `system` (system directories read-only, setuid inert) or `workspace` (everything read-only but the working directory, the temp directory and `writable`); a node may set its own, a run may only tighten it",
    kind: "string",
  },
  protected_paths: {
    env: "CLUSTER_PROTECTED_PATHS",
    type: z
      .union([z.string(), z.array(z.string())], {
        error: 'expected a comma-separated string or a list of paths like ["@default", "/data"]',
      })
      .superRefine((value, ctx) => {
        const items = (Array.isArray(value) ? value : value.split(",")).map((v) => v.trim());
        for (const item of items.filter(Boolean))
          if (!PATH_ENTRY.test(item))
            ctx.addIssue({
              code: "custom",
              message: `expected "@default", an absolute path or a ~/ path (globs allowed) in each entry, not ${JSON.stringify(item)}`,
            });
      }),
    default: "@default",
    meaning:
      "paths the command policy protects: a delete, move, permission change or container mount of one (or of what holds it) is refused; `@default` is the built-in list (`/`, each top-level system directory and its children, `~`, `~/.ssh`, the homes); absolute, `~/...`, globs allowed",
    kind: "string",
  },
  audit_max_bytes: {
    env: "CLUSTER_AUDIT_MAX_BYTES",
    type: bytes(4096, 1024 * MiB),
    default: 10_485_760,
    meaning:
      "size in bytes at which audit.jsonl is rotated to audit.jsonl.<UTC time>-<pid>; rotated files are kept",
    kind: "number",
  },
} satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof SETTINGS;

type TableValue<K extends SettingKey> = z.output<(typeof SETTINGS)[K]["type"]>;
type HasDefault<K extends SettingKey> = (typeof SETTINGS)[K]["default"] extends undefined
  ? false
  : true;

/** Every setting of the table with its type: those with a default always set, the others optional. */
export type TableSettings = {
  [K in SettingKey as HasDefault<K> extends true ? K : never]: TableValue<K>;
} & { [K in SettingKey as HasDefault<K> extends true ? never : K]?: TableValue<K> };

/** The table's values: what was given, else the table's default. */
export function withDefaults(given: Partial<Record<SettingKey, unknown>>): TableSettings {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(SETTINGS))
    out[key] = given[key as SettingKey] ?? def.default;
  return out as TableSettings;
}
