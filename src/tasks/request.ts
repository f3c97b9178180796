// What a caller asks for, and how a run is recorded: every run, foreground too, is a task. These
// types sit on the lowest floor that needs them (tasks), so mcp, run and the task store all import
// them downwards.

import type { BatchOptions, OutputStream } from "../exec/executor.ts";
import type { RunResult } from "../exec/result.ts";
import type { ExplicitRequirements } from "../routing/requirements.ts";
import type { SandboxLevel } from "../sandbox/levels.ts";

export type Requester = "cli" | "mcp-stdio" | "mcp-http";

export interface RunRequest {
  command: string;
  /** Run exactly there (offload_to, --node); otherwise the router decides. */
  node?: string;
  /** The origin's parameter names; aliases (darwin, amd64, aarch64) are resolved by the router. */
  requirements?: ExplicitRequirements;
  /** Seconds the command may run; 0 or less: its deadline passed before it started. */
  timeoutS?: number;
  cwd?: string;
  /** The OS sandbox this run asks for; it may only tighten the node's own setting. */
  sandbox?: SandboxLevel;
  requester: Requester;
  /** A pre-assigned id (background tasks are created before they run); otherwise a new one. */
  task_id?: string;
  /**
   * The caller's own directory and environment, when it is not this process (a front of the
   * background process): a command that runs on this machine runs there, as if started by it.
   */
  local?: LocalContext;
}

export interface LocalContext {
  cwd: string;
  env: Record<string, string>;
}

export interface RunHooks {
  signal?: AbortSignal;
  onOutput?: (stream: OutputStream, chunk: Uint8Array) => void | Promise<void>;
  /** A background task: a node with a batch system runs it as a job (see RunSpec.batch). */
  batch?: BatchOptions;
}

/** Routes, checks policy, runs and records one command; never throws for a run that failed. */
export type RunFn = (req: RunRequest, hooks?: RunHooks) => Promise<RunResult>;

/** Where a run's output is kept as it arrives. */
export interface OutputSink {
  write(stream: OutputStream, chunk: Uint8Array): void;
}

/** Where every run is recorded: the task store and the audit log implement it. */
export interface RunRecorder {
  /**
   * Before the command is sent (refused and unroutable runs too, with node ""): the task row and
   * the audit record are written at once; the record's fsync goes on while the command starts.
   */
  started(rec: {
    task_id: string;
    requester: Requester;
    command: string;
    node: string;
    route_reason: string;
    started_at: number;
  }): void;
  /**
   * The run's process group is known (before its output): `node` null means this machine. Kept so
   * that a sweep can kill the group should this process die.
   */
  group?(task_id: string, group: { pgid: number; node: string | null }): void;
  /**
   * Where the run's output is kept (the task's files), asked for once after started(). finished()
   * completes it. A recorder without storage has none.
   */
  output?(taskId: string): OutputSink;
  /**
   * After the run ended, however it ended (its stored output complete and its task row written
   * before the promise settles). Its audit end record follows its start record to disk in the
   * background. `bytes_out` counts stdout + stderr before capping.
   */
  finished(
    result: RunResult,
    meta: { requester: Requester; bytes_out: number },
  ): void | Promise<void>;
  /** Resolves once every record so far is written and on disk (await it before exiting). */
  settle?(): Promise<void>;
}
