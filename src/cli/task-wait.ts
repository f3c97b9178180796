// `wait ID` (block until the task ends, print its output, exit with its code) and `logs ID`.
import type { Config } from "../config/load.ts";
import { ClusterError, EXIT } from "../errors.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { refreshed } from "../tasks/housekeeping.ts";
import type { Tasks } from "../tasks/open.ts";
import { readOutputPage, readOutputText } from "../tasks/output-read.ts";
import { isFinished } from "../tasks/state.ts";
import type { TaskRow } from "../tasks/store.ts";
import { getTask, outputOf } from "../tasks/submit.ts";
import { taskResult, taskView } from "../tasks/view.ts";
import { waitForTask } from "../tasks/wait.ts";
import { parseVerbArgs, secondsFlag } from "./args.ts";
import { printHelp, printJson, warn, writeOut } from "./output.ts";
import { exitCodeForResult } from "./run.ts";
import { oneId } from "./task-status.ts";
import { outcome } from "./task-time.ts";

export const WAIT_HELP = `Usage: cluster-exec wait ID [--timeout S] [--json]

Blocks until the task ends, prints its output (stdout to stdout, stderr to stderr) and exits with
its code, as \`run\` would: the command's own; 124 timed out; 130 canceled; 77 refused; 69 no node;
75 interrupted (its runner died: outcome unknown) or still running when --timeout S expired.
Ctrl-C stops waiting; the task goes on.
  --json   print the task's status with stdout and stderr as JSON`;

export async function waitVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("wait", argv, {
    timeout: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) return printHelp(WAIT_HELP);
  const id = oneId("wait", positionals);
  const timeoutS = secondsFlag("timeout", values.timeout);
  const tasks = openTasksFor(config);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  let row: TaskRow;
  try {
    row = await waitForTask(tasks, id, {
      timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
      signal: stop.signal,
    });
  } finally {
    process.off("SIGINT", onSignal);
  }
  if (!isFinished(row.state)) {
    if (values.json) await printJson(taskView(row));
    warn(
      stop.signal.aborted
        ? `stopped waiting; task ${id} is still ${row.state}`
        : `task ${id} is still ${row.state} after ${timeoutS}s; wait again, or \`cancel ${id}\``,
    );
    return stop.signal.aborted ? EXIT.canceled : EXIT.connectionLost;
  }
  const result = taskResult(row);
  if (values.json)
    await printJson({ ...taskView(row), stdout: result.stdout, stderr: result.stderr });
  else {
    await writeOut("stdout", result.stdout);
    await writeOut("stderr", result.stderr);
    if (row.state !== "succeeded" && row.state !== "failed")
      warn(`task ${id}: ${outcome(taskView(row))}`);
    else if (row.error_code) warn(`task ${id}: ${row.error_code}: ${row.error_message}`);
  }
  return exitCodeForResult(result);
}

export const LOGS_HELP = `Usage: cluster-exec logs ID [--follow]

Prints a task's output so far, background task or foreground run alike: stdout to stdout, stderr to
stderr (capped like run results: head and tail kept, a marker between). --follow keeps printing as output arrives until the task ends; past
the head, the kept tail is printed when the task ends. Exit 0.`;

const FOLLOW_POLL_MS = 200;

export async function logsVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("logs", argv, {
    follow: { type: "boolean", short: "f" },
  });
  if (values.help) return printHelp(LOGS_HELP);
  const id = oneId("logs", positionals);
  const tasks = openTasksFor(config);
  const row = await refreshed(tasks, getTask(tasks, id));
  const files = outputOf(tasks, row);
  if (!files.stdout)
    throw new ClusterError(
      "USAGE",
      `task ${id} ran in the foreground (${row.requester}) before output was kept for such runs: its output went only to its caller`,
      { task_id: id },
    );
  if (!values.follow || isFinished(row.state)) {
    await writeOut("stdout", readOutputText(files.stdout));
    await writeOut("stderr", readOutputText(files.stderr));
    return 0;
  }
  return follow(tasks, id);
}

async function follow(tasks: Tasks, id: string): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  const at = { stdout: 0, stderr: 0 };
  try {
    for (;;) {
      const row = await refreshed(tasks, getTask(tasks, id));
      const done = isFinished(row.state);
      // Only the files while it runs (the tail snapshot changes under our feet); all once it ended.
      for (const stream of ["stdout", "stderr"] as const) {
        const path = stream === "stdout" ? row.stdout_path : row.stderr_path;
        for (;;) {
          const page = readOutputPage(path, at[stream], 1 << 20, {
            snapshot: false,
            holdPartial: !done,
          });
          if (page.next_offset === page.offset) break;
          at[stream] = page.next_offset;
          await writeOut(stream, page.chunk);
        }
      }
      if (done || stop.signal.aborted) return 0;
      await Bun.sleep(FOLLOW_POLL_MS);
    }
  } finally {
    process.off("SIGINT", onSignal);
  }
}
