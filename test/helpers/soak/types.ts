// Shapes shared by the soak harness (scripts/soak.ts, test/soak/soak.test.ts): what the client
// driver reports per call, and the options of one soak.

/** One tool call, CLI verb or HTTP request, as the client that made it saw it. */
export interface CallRecord {
  type: "call";
  client: string;
  tool: string;
  /** ms since the epoch when the call was sent. */
  at: number;
  ms: number;
  /** The longest the call may take: its own timeout plus 5 s. */
  boundMs: number;
  /** ok: a result; error: an error result (code when it had one); transport: no MCP answer. */
  outcome: "ok" | "error" | "transport" | "aborted";
  code?: string;
  message?: string;
  /** The soak id of the command (first item's for a batch) and what its body does. */
  id?: string;
  kind?: string;
}

export interface SoakOptions {
  minutes: number;
  nodes: number;
  httpClients: number;
  stdioClients: number;
  cli: boolean;
  /** Seconds of calm load before chaos starts (the RSS/fd baseline is taken at its end). */
  warmupS: number;
  /** Seconds of calm load after chaos stops, before the end checks. */
  calmTailS: number;
  log: (line: string) => void;
  /** Where to write every call record (JSON lines), if anywhere. */
  rawCallsPath?: string;
}

/** What the driver (run inside the controller namespace) needs to start its clients. */
export interface DriverArgs {
  url: string;
  token: string;
  configPath: string;
  env: Record<string, string>;
  markerPath: string;
  tag: string;
  sleepTag: string;
  nodes: string[];
  httpClients: number;
  stdioClients: number;
  cli: boolean;
  cliPath: string;
}

/** Error codes meaning "nothing was sent to the node": such a run must leave no marker. */
export const NEVER_STARTED = new Set([
  "NODE_UNKNOWN",
  "NO_NODE",
  "UNREACHABLE",
  "AUTH_FAILED",
  "HOST_KEY_CHANGED",
  "POLICY_DENIED",
  "NODE_BUSY",
  "SANDBOX_UNAVAILABLE",
  "DEADLINE_PASSED",
  "SPAWN_FAILED",
]);
