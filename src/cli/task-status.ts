// `status ID`, `tasks` and `cancel ID`: looking at and stopping tasks.
import type { Config } from "../config/load.ts";
import { ClusterError, EXIT } from "../errors.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { refreshed } from "../tasks/housekeeping.ts";
import { isFinished, isTaskState, TASK_STATES } from "../tasks/state.ts";
import { getTask } from "../tasks/submit.ts";
import { type TaskView, taskView } from "../tasks/view.ts";
import { parseVerbArgs } from "./args.ts";
import { printHelp, printJson, println, warn } from "./output.ts";
import { ago, duration, outcome } from "./task-time.ts";

export const STATUS_HELP = `Usage: cluster-exec status ID [--json]

A task's state (queued, running, succeeded, failed, timed_out, canceled, interrupted), node, exit
code, times, route and output files. interrupted: its runner died (killed, crash, reboot).`;

export async function statusVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("status", argv, { json: { type: "boolean" } });
  if (values.help) return printHelp(STATUS_HELP);
  const id = oneId("status", positionals);
  const tasks = openTasksFor(config);
  const v = taskView(await refreshed(tasks, getTask(tasks, id)));
  if (values.json) {
    await printJson(v);
    return 0;
  }
  const rows: [string, string][] = [
    ["task", v.task_id],
    ["state", outcome(v)],
    ["node", v.node || "-"],
    ["command", v.command],
    ["route", v.route.reason || "-"],
    ["created", `${v.created_at} (${ago(v.created_at)})`],
    ["started", v.started_at ?? "-"],
    ["finished", v.finished_at ?? "-"],
    ["duration", duration(v.duration_ms)],
  ];
  if (v.job)
    rows.push([
      "job",
      `Slurm job ${v.job.job_id} in partition ${v.job.partition} (${v.job.state ?? "?"}); output on the submit host: ${v.job.stdout_path}, ${v.job.stderr_path}`,
    ]);
  if (v.stdout_path) rows.push(["stdout", v.stdout_path], ["stderr", v.stderr_path ?? "-"]);
  if (v.truncated) rows.push(["output", "truncated (head and tail kept)"]);
  const g = v.process_group;
  if (g)
    rows.push(["group", `${g.pgid} on ${g.node ?? "this machine"}${g.kill ? ` (${g.kill})` : ""}`]);
  for (const [k, val] of rows) await println(`${k.padEnd(9)} ${val}`);
  return 0;
}

/** More tasks than anyone reads in a terminal; bounded so any number given is a usage error or works. */
const MAX_LIMIT = 1_000_000;

export const TASKS_HELP = `Usage: cluster-exec tasks [--state S] [--limit N] [--json]

Lists tasks, newest first (background tasks and foreground runs alike).
  --state S   only tasks in state S (${TASK_STATES.join(", ")})
  --limit N   at most N tasks (default 20)`;

export async function tasksVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("tasks", argv, {
    state: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) return printHelp(TASKS_HELP);
  if (positionals.length > 0)
    throw new ClusterError("USAGE", `tasks: unexpected argument ${JSON.stringify(positionals[0])}`);
  const state = values.state;
  if (state !== undefined && !isTaskState(state))
    throw new ClusterError(
      "USAGE",
      `--state: got ${JSON.stringify(state)}, expected one of ${TASK_STATES.join(", ")}`,
    );
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  // SQLite's LIMIT is a 64-bit integer: a larger number would fail there, deep in the store.
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ClusterError(
      "USAGE",
      `--limit: got ${JSON.stringify(values.limit)}, expected a whole number from 1 to ${MAX_LIMIT}`,
    );
  const tasks = openTasksFor(config);
  await tasks.ready; // the sweep: tasks whose runner died are shown interrupted, their groups killed
  const views = tasks.store
    .list({ state: isTaskState(state ?? "") ? (state as never) : undefined, limit })
    .map(taskView);
  if (values.json) {
    await printJson(views);
    return 0;
  }
  if (views.length === 0) {
    await println(state ? `no ${state} tasks` : "no tasks");
    return 0;
  }
  await println(table(views));
  return 0;
}

function table(views: TaskView[]): string {
  const rows = views.map((v) => [
    v.task_id,
    v.state,
    v.node || "-",
    v.exit_code === null ? (v.signal ?? "-") : String(v.exit_code),
    ago(v.created_at),
    duration(v.duration_ms),
    v.command.replace(/\s+/g, " ").slice(0, 60),
  ]);
  const head = ["ID", "STATE", "NODE", "EXIT", "CREATED", "DURATION", "COMMAND"];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export const CANCEL_HELP = `Usage: cluster-exec cancel ID

Cancels a background task: its runner aborts the run and the whole process group is killed (TERM,
then KILL) on the node where it runs. Waits until the task has ended; a finished task is left as it was.
Exit 0 once it has ended; 75 if it is still stopping when the wait gives up.`;

export async function cancelVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("cancel", argv, {});
  if (values.help) return printHelp(CANCEL_HELP);
  const id = oneId("cancel", positionals);
  const tasks = openTasksFor(config);
  const before = getTask(tasks, id);
  const v = taskView(await cancelTask(tasks, id));
  if (isFinished(before.state)) await println(`task ${id} had already ended: ${outcome(v)}`);
  else if (!isFinished(v.state)) {
    warn(`task ${id}: cancel requested, but it is still ${v.state}; check with \`status ${id}\``);
    return EXIT.connectionLost;
  } else await println(`task ${id}: ${outcome(v)}`);
  return 0;
}

export function oneId(verb: string, positionals: string[]): string {
  if (positionals.length !== 1)
    throw new ClusterError(
      "USAGE",
      `${verb}: expected one task id, got ${positionals.length === 0 ? "none" : positionals.map((p) => JSON.stringify(p)).join(" ")}; see \`cluster-exec tasks\``,
    );
  return positionals[0] as string;
}
