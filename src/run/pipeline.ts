// One run, start to end: decide where (policy + routing), record, execute, record the result.
import type { Config } from "../config/load.ts";
import { ClusterError, toClusterError } from "../errors.ts";
import type { Executor } from "../exec/executor.ts";
import { TASK_ENV } from "../exec/reap-script.ts";
import {
  failedBeforeStart,
  notStartedOutcome,
  type RouteInfo,
  type RunResult,
  resultRoute,
  toRunResult,
} from "../exec/result.ts";
import { newTaskId } from "../exec/task-id.ts";
import { decisionError } from "../routing/choose.ts";
import type { RouteDecision } from "../routing/types.ts";
import { sandboxSpec } from "../sandbox/levels.ts";
import type { RunFn, RunRecorder, RunRequest } from "../tasks/request.ts";
import type { RunsInFlight } from "./in-flight.ts";
import { needsStaging, type Staged } from "./long-command.ts";

export interface PipelineDeps {
  config: Config;
  /** Policy and routing from cached facts only (no network I/O); throws NODE_UNKNOWN. */
  decide(req: RunRequest): RouteDecision;
  executorFor(node: string): Executor;
  recorder?: RunRecorder;
  /** Load accounting so concurrent work spreads: runs in flight per node, read by decide(). */
  inFlight: RunsInFlight;
  /** Puts a line too long for an argument into a file on the node (long-command.ts). */
  stage?: (node: string, command: string, taskId: string, signal?: AbortSignal) => Promise<Staged>;
}

export function createRunFn(deps: PipelineDeps): RunFn {
  const { settings } = deps.config;
  return async (req, hooks = {}) => {
    const task_id = req.task_id ?? newTaskId();
    const ids = { task_id, command: req.command };
    const record = async (node: string, route_reason: string, result: RunResult, bytes_out = 0) => {
      deps.recorder?.started({
        task_id,
        requester: req.requester,
        command: req.command,
        node,
        route_reason,
        started_at: Date.now(),
      });
      await deps.recorder?.finished(result, { requester: req.requester, bytes_out });
      return result;
    };

    let decision: RouteDecision;
    try {
      decision = deps.decide(req);
    } catch (err) {
      const e = toClusterError(err);
      return record(
        req.node ?? "",
        e.message,
        failedBeforeStart(e, { ...ids, node: req.node ?? "" }),
      );
    }
    const route: RouteInfo = resultRoute(decision.reason, decision.candidates, decision.node);
    const node = decision.node;
    const refusal =
      decisionError(decision) ?? (node ? undefined : new ClusterError("NO_NODE", decision.reason));
    if (refusal || !node)
      return record(
        node ?? "",
        decision.reason,
        failedBeforeStart(refusal as ClusterError, { ...ids, node: node ?? "", route }),
      );
    // A batch job that already exists (a replaced runner follows it) must see a cancel or a passed
    // deadline itself: only the executor can scancel it.
    const resuming = hooks.batch?.resume !== undefined;
    if (hooks.signal?.aborted && !resuming) {
      // Canceled before it started: nothing is sent anywhere.
      const notRun = { ...notStartedOutcome(0), canceled: true };
      return record(node, decision.reason, toRunResult(notRun, { ...ids, node, route }));
    }
    if (req.timeoutS !== undefined && req.timeoutS <= 0 && !resuming) {
      const late = new ClusterError(
        "DEADLINE_PASSED",
        "the deadline (timeout_seconds) passed before it could start",
      );
      const notRun = { ...failedBeforeStart(late, { ...ids, node, route }), timed_out: true };
      return record(node, decision.reason, notRun);
    }

    deps.recorder?.started({
      task_id,
      requester: req.requester,
      command: req.command,
      node,
      route_reason: decision.reason,
      started_at: Date.now(),
    });
    // Every run's output is kept (capped) in its task's files, so a cut result can be paged.
    const stored = deps.recorder?.output?.(task_id);
    let bytesOut = 0;
    // Taken in the same synchronous stretch as the decision: the next run of a batch sees it.
    const release = deps.inFlight.take(node);
    let result: RunResult;
    let staged: Staged | undefined;
    try {
      if (deps.stage && needsStaging(req.command))
        staged = await deps.stage(node, req.command, task_id, hooks.signal);
      const outcome = await deps.executorFor(node).run(
        {
          command: staged?.command ?? req.command,
          cwd: req.cwd,
          local: req.local,
          timeoutMs: Math.max(0, (req.timeoutS ?? settings.cmd_timeout) * 1000),
          outputLimit: settings.output_limit,
          killGraceMs: settings.kill_grace * 1000,
          // Every process of the run carries its task id: how a sweep recognises its group.
          env: { [TASK_ENV]: task_id },
          sandbox: sandboxSpec(decision.sandbox ?? "off", deps.config.nodes[node]?.writable ?? []),
          onGroup: (g) =>
            deps.recorder?.group?.(task_id, { pgid: g.pgid, node: g.local ? null : node }),
          onOutput: (stream, chunk) => {
            bytesOut += chunk.length;
            stored?.write(stream, chunk);
            return hooks.onOutput?.(stream, chunk);
          },
          taskId: task_id,
          ...(hooks.batch ? { batch: hooks.batch } : {}),
        },
        hooks.signal,
      );
      result = toRunResult(outcome, { ...ids, node, route });
    } catch (err) {
      // Executors report failures in the outcome; anything thrown is still a result, never a crash.
      result = failedBeforeStart(toClusterError(err), { ...ids, node, route });
    } finally {
      release();
      await staged?.cleanup();
    }
    await deps.recorder?.finished(result, { requester: req.requester, bytes_out: bytesOut });
    return result;
  };
}
