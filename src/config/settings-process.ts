// Settings of the table (settings.ts) about how this program's processes work: connections per
// node, the resident agent, the per-user background process. Spread into SETTINGS in table order.
import { z } from "zod";

const count = z.number({ error: "expected a whole number" }).int("expected a whole number").min(0);

export const PROCESS_SETTINGS = {
  ssh_connections_per_node: {
    env: "CLUSTER_SSH_CONNECTIONS_PER_NODE",
    type: count.min(1, "expected at least 1").max(16, "expected at most 16"),
    default: 4,
    meaning:
      "ssh2 connections per node at most when commands run as separate SSH sessions (no agent): another opens when every session slot of the open ones is taken",
    kind: "number",
  },
  agent: {
    env: "CLUSTER_AGENT",
    type: z.enum(["auto", "off"], { error: 'expected "auto" or "off"' }),
    default: "auto",
    meaning:
      "`auto`: long-lived processes run commands through a resident `cluster-exec agent` on nodes that have a compatible binary at `binary_path`; `off`: always one SSH session per command",
    kind: "string",
  },
  daemon_idle: {
    env: "CLUSTER_DAEMON_IDLE",
    type: z
      .number({ error: "expected a number of seconds" })
      .min(0, "expected seconds >= 0")
      .max(2_000_000, "expected at most 2000000 seconds"),
    default: 300,
    meaning:
      "seconds the per-user background process (warm pool for the CLI and `mcp`) stays without work before it exits",
    kind: "number",
  },
  no_daemon: {
    env: "CLUSTER_NO_DAEMON",
    type: z.boolean({ error: "expected true or false" }),
    default: false,
    meaning:
      "run one-shot verbs and `mcp` in-process, without the background process (as `--no-daemon`)",
    kind: "boolean",
  },
} as const;
