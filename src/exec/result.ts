// The one result shape of a run, for success and failure alike.
import type { ClusterError, ErrorCode } from "../errors.ts";
import type { CappedOutput } from "./limits.ts";
import type { StopTrigger } from "./stop-trigger.ts";

export interface RouteCandidate {
  node: string;
  /** Free-capacity score when eligible; absent when excluded. */
  score?: number;
  /** Why it was excluded, or a note on its score. */
  note?: string;
  eligible: boolean;
}

/** Where a run went when a scheduler ran it: the route says so, with the job id. */
export interface JobInfo {
  scheduler: "slurm";
  partition: string;
  /** null when the job never got an id (submission failed or was canceled first). */
  job_id: string | null;
  /** The scheduler's final (or last known) state of the job. */
  state?: string;
}

export interface RouteInfo {
  reason: string;
  candidates: RouteCandidate[];
  /** Candidates left out of a run's result (a large cluster; `route` shows them all). */
  candidates_omitted?: number;
  /** Set when the run went to a batch scheduler (Slurm). */
  job?: JobInfo;
}

/** Candidates a run's result carries at most: its size (and cost) must not grow with the cluster. */
export const RESULT_CANDIDATES = 8;

/**
 * The route as a run's result keeps it: the chosen node, then the best other eligible ones, then
 * excluded ones, at most RESULT_CANDIDATES, with the number left out.
 */
export function resultRoute(
  reason: string,
  candidates: RouteCandidate[],
  chosen: string | null,
): RouteInfo {
  if (candidates.length <= RESULT_CANDIDATES) return { reason, candidates };
  const rank = (c: RouteCandidate) =>
    c.node === chosen
      ? Number.POSITIVE_INFINITY
      : c.eligible
        ? (c.score ?? 0)
        : Number.NEGATIVE_INFINITY;
  const kept = [...candidates].sort((a, b) => rank(b) - rank(a)).slice(0, RESULT_CANDIDATES);
  return { reason, candidates: kept, candidates_omitted: candidates.length - kept.length };
}

export interface RunResult {
  task_id: string;
  node: string;
  command: string;
  /** null when the process was killed by a signal or never ran. */
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  duration_ms: number;
  timed_out: boolean;
  canceled: boolean;
  route: RouteInfo;
  /** Set when the run did not end by the command's own doing: refused, unreachable, connection lost... */
  error?: {
    code: ErrorCode;
    message: string /** the policy rule, for POLICY_DENIED */;
    rule?: string;
  };
}

/** What an executor reports; the caller adds identity and route (a scheduler's job joins the route). */
export type ExecOutcome = Omit<RunResult, "task_id" | "node" | "command" | "route"> & {
  job?: JobInfo;
};

export const DIRECT_ROUTE: RouteInfo = { reason: "run where asked", candidates: [] };

export function toRunResult(
  outcome: ExecOutcome,
  ids: { task_id: string; node: string; command: string; route?: RouteInfo },
): RunResult {
  const { job, ...rest } = outcome;
  const route = ids.route ?? DIRECT_ROUTE;
  return {
    task_id: ids.task_id,
    node: ids.node,
    command: ids.command,
    ...rest,
    route: job ? { ...route, reason: `${route.reason} ${describeJob(job)}`.trim(), job } : route,
  };
}

/** "Ran as Slurm job 42 in partition debug." */
export function describeJob(job: JobInfo): string {
  if (job.job_id === null) return `No Slurm job was started in partition ${job.partition}.`;
  return `Ran as Slurm job ${job.job_id} in partition ${job.partition}${job.state ? ` (${job.state})` : ""}.`;
}

/** The outcome of a run that never started: no exit code, no output. */
export function notStartedOutcome(duration_ms: number, error?: RunResult["error"]): ExecOutcome {
  return {
    exit_code: null,
    signal: null,
    stdout: "",
    stderr: "",
    truncated: false,
    duration_ms,
    timed_out: false,
    canceled: false,
    ...(error ? { error } : {}),
  };
}

/** A result for a run that never started (refused, no node, unreachable). */
export function failedBeforeStart(
  err: ClusterError,
  ids: { task_id: string; node: string; command: string; route?: RouteInfo },
): RunResult {
  const rule = typeof err.details.rule === "string" ? { rule: err.details.rule } : {};
  return toRunResult(notStartedOutcome(0, { code: err.code, message: err.message, ...rule }), ids);
}

/** Did the run fail in any way (non-zero, signal, timeout, cancel, error)? */
export function runFailed(r: RunResult): boolean {
  return r.exit_code !== 0 || r.timed_out || r.canceled || r.error !== undefined;
}

/** The part of an outcome every executor builds the same way once the command has ended. */
export function endedOutcome(
  out: CappedOutput,
  err: CappedOutput,
  startedAt: number,
  trigger: Pick<StopTrigger, "timedOut" | "canceled">,
): Pick<ExecOutcome, "stdout" | "stderr" | "truncated" | "duration_ms" | "timed_out" | "canceled"> {
  return {
    stdout: out.text(),
    stderr: err.text(),
    truncated: out.truncated || err.truncated,
    duration_ms: Math.round(performance.now() - startedAt),
    timed_out: trigger.timedOut,
    canceled: trigger.canceled,
  };
}
