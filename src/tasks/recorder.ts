// The RunRecorder of the program: every run gets a task row and two audit records (start, end).

import type { RunResult } from "../exec/result.ts";
import type { AuditEnd, AuditLog } from "./audit.ts";
import { processIdentity } from "./liveness.ts";
import type { RunRecorder } from "./request.ts";
import type { RunnerRef, TaskStore } from "./store.ts";

let self: RunnerRef | undefined;

/** This process as the runner of the runs it records (identity read once). */
export function selfRunner(): RunnerRef {
  self ??= { pid: process.pid, identity: processIdentity(process.pid) ?? null };
  return self;
}

export function createTaskRecorder(
  store: TaskStore,
  audit: AuditLog,
  onError: (message: string) => void = (m) => process.stderr.write(`cluster-exec: ${m}\n`),
): RunRecorder {
  // Recording must never break a run: failures are reported, the command goes on.
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onError(`could not record ${what}: ${(err as Error).message}`);
    }
  };
  return {
    started(rec) {
      guard(`the start of task ${rec.task_id} in the task store`, () =>
        store.started(rec, selfRunner()),
      );
      guard(`the start of task ${rec.task_id} in the audit log`, () =>
        audit.append({
          event: "start",
          task_id: rec.task_id,
          requester: rec.requester,
          command: rec.command,
          node: rec.node,
          route_reason: rec.route_reason,
        }),
      );
    },
    group(task_id, group) {
      guard(`the process group of task ${task_id} in the task store`, () =>
        store.setGroup(task_id, group),
      );
    },
    finished(result, meta) {
      let state = "failed";
      guard(`the end of task ${result.task_id} in the task store`, () => {
        state = store.finished(result, meta.bytes_out);
      });
      guard(`the end of task ${result.task_id} in the audit log`, () =>
        audit.append(auditEnd(result, meta.requester, meta.bytes_out, state)),
      );
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
