// A batch job's state as Slurm reports it (scontrol, or sacct for a job the controller forgot), and
// what a final state means for the run's outcome. Pure.
import { signalName } from "../exec/signals.ts";

export interface JobStatus {
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ... ("UNKNOWN" when unreadable). */
  state: string;
  reason?: string;
  /** ExitCode=CODE:SIGNAL of the job. */
  exitCode?: number;
  exitSignal?: number;
  /** The job has ended: its output files are complete. */
  final: boolean;
}

/** States after which a job never runs again (Slurm's job_state_string, base states). */
const FINAL = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
  "OUT_OF_MEMORY",
  "REVOKED",
  "SPECIAL_EXIT",
]);

/** `scontrol -o show job ID`: one line of Key=Value fields. */
export function parseScontrolJob(line: string): JobStatus | undefined {
  const state = /(?:^|\s)JobState=(\S+)/.exec(line)?.[1];
  if (!state) return undefined;
  const exit = /(?:^|\s)ExitCode=(\d+):(\d+)/.exec(line);
  const reason = /(?:^|\s)Reason=(\S+)/.exec(line)?.[1];
  return status(state, reason, exit?.[1], exit?.[2]);
}

/** `sacct -X -n -P -o JobID,State,ExitCode,Reason`: "5|FAILED|7:0|None" ("CANCELLED by 1000"). */
export function parseSacctJob(line: string): JobStatus | undefined {
  const [id, state, exit, reason] = line.trim().split("|");
  if (!id || !state) return undefined;
  const [code, sig] = (exit ?? "").split(":");
  return status(state.split(" ")[0] as string, reason, code, sig);
}

function status(state: string, reason?: string, code?: string, sig?: string): JobStatus {
  const s = state.toUpperCase();
  return {
    state: s,
    ...(reason && reason !== "None" && reason !== "(null)" ? { reason } : {}),
    ...(code !== undefined && /^\d+$/.test(code) ? { exitCode: Number(code) } : {}),
    ...(sig !== undefined && /^\d+$/.test(sig) ? { exitSignal: Number(sig) } : {}),
    final: FINAL.has(s),
  };
}

export interface JobEnding {
  exit_code: number | null;
  signal: string | null;
  canceled: boolean;
  timed_out: boolean;
  /** Set when the scheduler, not the command, ended it (node failure, memory, preemption...). */
  error?: { code: "JOB_FAILED"; message: string };
}

/** What a final state says about how the command ended. */
export function jobEnding(jobId: string, s: JobStatus): JobEnding {
  const sig = s.exitSignal ? signalName(s.exitSignal) : null;
  const code = sig ? null : (s.exitCode ?? null);
  const base = { exit_code: code, signal: sig, canceled: false, timed_out: false };
  switch (s.state) {
    case "COMPLETED":
    case "FAILED":
      return base;
    case "CANCELLED":
      return { ...base, exit_code: null, canceled: true };
    case "TIMEOUT":
      return { ...base, exit_code: null, timed_out: true };
    default:
      return {
        ...base,
        exit_code: null,
        error: {
          code: "JOB_FAILED",
          message: `Slurm ended job ${jobId}: ${s.state}${s.reason ? ` (${s.reason})` : ""}; the command's own outcome is unknown`,
        },
      };
  }
}
