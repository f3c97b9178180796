// The RunRecorder of the program: every run gets a task row and two audit records (start, end).

import type { RunResult } from "../exec/result.ts";
import type { AuditEnd, AuditLog } from "./audit.ts";
import { processIdentity } from "./liveness.ts";
import { pruneStoredOutput } from "./output-prune.ts";
import { ensureTasksDir, taskPaths } from "./paths.ts";
import type { RunRecorder } from "./request.ts";
import { RunOutputFiles } from "./run-output.ts";
import type { RunnerRef, TaskStore } from "./store.ts";

let self: RunnerRef | undefined;

/** This process as the runner of the runs it records (identity read once). */
export function selfRunner(): RunnerRef {
  self ??= { pid: process.pid, identity: processIdentity(process.pid) ?? null };
  return self;
}

/** Where output is kept: every run's, in <state_dir>/tasks, within these bounds. */
export interface OutputStorage {
  stateDir: string;
  /** Bytes per stream (output_limit). */
  outputLimit: number;
  /** Bytes of all stored output (output_store_max_bytes). */
  storeMaxBytes: number;
}

/** A run's stored output is checked against the total bound after this share of it was written. */
const CHECK_SHARE = 16;

export function createTaskRecorder(
  store: TaskStore,
  audit: AuditLog,
  onError: (message: string) => void = (m) => process.stderr.write(`cluster-exec: ${m}\n`),
  storage?: OutputStorage,
): RunRecorder {
  // Recording must never break a run: failures are reported, the command goes on.
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onError(`could not record ${what}: ${(err as Error).message}`);
    }
  };
  const outputs = new Map<string, RunOutputFiles>();
  // The start record's fsync runs while the command starts. The end record is written once the
  // start is on disk (a log never holds an end without its start) and synced in the background:
  // no fsync on a run's critical path; a crash of the machine can lose the last records only.
  const startsDurable = new Map<string, Promise<void>>();
  const endsPending = new Set<Promise<void>>();
  const durable = (what: string, p: Promise<void>) =>
    p.catch((err: Error) => onError(`could not record ${what}: ${err.message}`));
  // Bytes stored since the last look at the total (starts full: the first run looks).
  let sinceCheck = Number.POSITIVE_INFINITY;
  let dirReady = false;
  const pathsOf = (id: string) => (storage ? taskPaths(storage.stateDir, id) : undefined);
  return {
    started(rec) {
      guard(`the start of task ${rec.task_id} in the task store`, () =>
        store.started(rec, selfRunner(), pathsOf(rec.task_id)),
      );
      const what = `the start of task ${rec.task_id} in the audit log`;
      guard(what, () =>
        startsDurable.set(
          rec.task_id,
          durable(
            what,
            audit.append({
              event: "start",
              task_id: rec.task_id,
              requester: rec.requester,
              command: rec.command,
              node: rec.node,
              route_reason: rec.route_reason,
            }),
          ),
        ),
      );
    },
    group(task_id, group) {
      guard(`the process group of task ${task_id} in the task store`, () =>
        store.setGroup(task_id, group),
      );
    },
    output: storage
      ? (id) => {
          // Without the directory the first write fails, and finished() reports it.
          if (!dirReady)
            guard(`the output of task ${id}`, () => {
              ensureTasksDir(storage.stateDir);
              dirReady = true;
            });
          const files = new RunOutputFiles(taskPaths(storage.stateDir, id), storage.outputLimit);
          outputs.set(id, files);
          return files;
        }
      : undefined,
    async settle() {
      await Promise.all([...endsPending]);
      await audit.durable().catch(() => {});
    },
    async finished(result, meta) {
      let state = "failed";
      // The output files are complete before the row says the run ended.
      const files = outputs.get(result.task_id);
      outputs.delete(result.task_id);
      const stored = files ? files.close() : null;
      if (files?.failure)
        onError(`output of task ${result.task_id} not kept in full: ${files.failure.message}`);
      guard(`the end of task ${result.task_id} in the task store`, () => {
        state = store.finished(result, meta.bytes_out, Date.now(), stored);
      });
      if (storage && stored !== null) {
        sinceCheck += stored;
        if (sinceCheck >= storage.storeMaxBytes / CHECK_SHARE) {
          sinceCheck = 0;
          guard("the bound on stored output", () =>
            pruneStoredOutput(store, storage.storeMaxBytes, result.task_id),
          );
        }
      }
      const what = `the end of task ${result.task_id} in the audit log`;
      const record = auditEnd(result, meta.requester, meta.bytes_out, state);
      const start = startsDurable.get(result.task_id);
      startsDurable.delete(result.task_id);
      const writeEnd = () => guard(what, () => void durable(what, audit.append(record)));
      // The row is written before this returns: its write shares one transaction with whatever
      // else ends now. The end record follows the row (and its start record's fsync): a process
      // killed in between leaves a row that says how the run ended, never an end record beside a
      // row still "running" that the sweep would end a second time. (audit.durable() is what a
      // process awaits before it exits.)
      // A store that cannot write still gets the end record: the audit log stays whole.
      const rowWritten = store.flushed().catch(() => {});
      const p = Promise.all([start, rowWritten]).then(writeEnd);
      endsPending.add(p);
      void p.finally(() => endsPending.delete(p));
      await rowWritten;
    },
  };
}

export function auditEnd(
  r: RunResult,
  requester: string,
  bytesOut: number,
  state: string,
): AuditEnd {
  const err = r.error as { code: string; message: string; rule?: string } | undefined;
  return {
    event: "end",
    task_id: r.task_id,
    requester,
    node: r.node,
    state,
    exit_code: r.exit_code,
    signal: r.signal,
    duration_ms: r.duration_ms,
    bytes_out: bytesOut,
    timed_out: r.timed_out,
    canceled: r.canceled,
    ...(err ? { error_code: err.code, error: err.message } : {}),
    ...(err?.rule ? { rule: err.rule } : {}),
  };
}
