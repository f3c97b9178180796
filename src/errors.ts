// The one error type of the program, and the single mapping of its codes to CLI exit codes.

export type ErrorCode =
  | "USAGE" // bad flags or arguments
  | "CONFIG_INVALID" // configuration file or environment value rejected
  | "NODE_UNKNOWN" // a node name that is not in the inventory
  | "NO_NODE" // no node satisfies the requirements / is reachable
  | "UNREACHABLE" // connect, handshake or address resolution failed before the command was sent
  | "AUTH_FAILED" // no key / agent accepted by the node
  | "HOST_KEY_CHANGED" // node presented a different host key than the pinned one
  | "POLICY_DENIED" // refused by the command policy
  | "CONNECTION_LOST" // connection died after the command was sent: outcome unknown
  | "KILL_UNCONFIRMED" // a kill (timeout, cancel) was not confirmed in time on a live connection: outcome unknown
  | "NODE_BUSY" // no free SSH session on the node within the command's timeout: nothing was sent
  | "SANDBOX_UNAVAILABLE" // a sandbox was asked for where none can be had: nothing ran
  | "TASK_UNKNOWN" // no task with that id
  | "TASK_INTERRUPTED" // the task's runner died (killed, crash, reboot): outcome unknown
  | "TASK_RUNNING" // `wait --timeout` expired with the task still running
  | "OUTPUT_PRUNED" // the task's stored output was removed (output_store_max_bytes)
  | "DEADLINE_PASSED" // a batch's deadline passed before this command could start
  | "SPAWN_FAILED" // the local shell could not be started
  | "JOB_FAILED" // the batch scheduler (Slurm) ended the job: node failure, memory, preemption...
  | "INTERNAL";

export class ClusterError extends Error {
  override readonly name = "ClusterError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** Exit codes follow sysexits(3) where SPEC names one; the command's own code wins otherwise. */
export const EXIT = {
  usage: 2,
  timedOut: 124,
  canceled: 130,
  noNode: 69,
  refused: 77,
  connectionLost: 75,
  internal: 70,
  /** Our output's reader went away (EPIPE): what SIGPIPE would make of a shell command (128+13). */
  brokenPipe: 141,
} as const;

const exitByCode: Record<ErrorCode, number> = {
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  NODE_UNKNOWN: EXIT.usage,
  TASK_UNKNOWN: EXIT.usage,
  TASK_INTERRUPTED: EXIT.connectionLost,
  TASK_RUNNING: EXIT.connectionLost,
  OUTPUT_PRUNED: EXIT.usage,
  DEADLINE_PASSED: EXIT.timedOut,
  NO_NODE: EXIT.noNode,
  UNREACHABLE: EXIT.noNode,
  AUTH_FAILED: EXIT.noNode,
  HOST_KEY_CHANGED: EXIT.noNode,
  POLICY_DENIED: EXIT.refused,
  SANDBOX_UNAVAILABLE: EXIT.refused,
  NODE_BUSY: EXIT.noNode,
  CONNECTION_LOST: EXIT.connectionLost,
  KILL_UNCONFIRMED: EXIT.connectionLost,
  SPAWN_FAILED: EXIT.internal,
  JOB_FAILED: EXIT.connectionLost,
  INTERNAL: EXIT.internal,
};

export function exitCodeFor(code: ErrorCode): number {
  return exitByCode[code];
}

/** Codes not named here are 500: a code added later is an internal error until it gets its row. */
const httpByCode: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  CONFIG_INVALID: 400,
  NODE_UNKNOWN: 404,
  TASK_UNKNOWN: 404,
  TASK_INTERRUPTED: 409,
  TASK_RUNNING: 409,
  DEADLINE_PASSED: 504,
  NO_NODE: 503,
  UNREACHABLE: 503,
  AUTH_FAILED: 503,
  HOST_KEY_CHANGED: 503,
  POLICY_DENIED: 403,
  CONNECTION_LOST: 502,
};

/** The HTTP status of an error answered over HTTP (the status page's API). */
export function httpStatusFor(code: ErrorCode): number {
  return httpByCode[code] ?? 500;
}

export function toClusterError(err: unknown): ClusterError {
  if (err instanceof ClusterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ClusterError("INTERNAL", message);
}
