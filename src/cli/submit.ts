// `submit`: start a command as a background task and print its id at once; and the hidden
// `__run-task ID` verb that the detached runner process executes.
import type { Config } from "../config/load.ts";
import { ClusterError, EXIT } from "../errors.ts";
import { unknownNodeError } from "../run/nodes.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { createRuntime } from "../run/runtime.ts";
import { resumeTask, runTask } from "../tasks/runner.ts";
import { submitTask } from "../tasks/submit.ts";
import { commandFromArgs, parseVerbArgs, secondsFlag } from "./args.ts";
import { currentHost } from "./host.ts";
import { printJson, println, warn } from "./output.ts";
import {
  ROUTING_FLAGS,
  ROUTING_HELP,
  requirementsFromFlags,
  sandboxFromFlag,
} from "./routing-flags.ts";

export const SUBMIT_HELP = `Usage: cluster-exec submit [--node N] [--os O] [--arch A] [--cap C]... [--sandbox L] [--timeout S] [--cwd D] [--json] -- COMMAND...

Starts COMMAND as a background task and prints its id at once; the task runs on in its own process
(it outlives this call) and its output goes to files in the state directory.

${ROUTING_HELP}
  --timeout S   kill the whole process group after S seconds (default CLUSTER_TASK_TIMEOUT, 3600)
  --cwd DIR     working directory on the node
  --json        print {task_id, state} as JSON
Then: status ID, wait ID, logs ID [--follow], cancel ID, tasks.`;

export async function submitVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("submit", argv, {
    ...ROUTING_FLAGS,
    timeout: { type: "string" },
    cwd: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    await println(SUBMIT_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    warn("submit: no command given; usage: cluster-exec submit [flags] -- COMMAND");
    return EXIT.usage;
  }
  if (values.node !== undefined && !config.nodes[values.node])
    throw unknownNodeError(values.node, config);
  const row = submitTask(
    openTasksFor(config),
    {
      command: commandFromArgs(positionals),
      node: values.node,
      requirements: requirementsFromFlags(values),
      sandbox: sandboxFromFlag(values.sandbox),
      timeoutS: secondsFlag("timeout", values.timeout),
      cwd: values.cwd,
      requester: "cli",
    },
    currentHost().spawnRunner,
  );
  if (values.json) await printJson({ task_id: row.id, state: row.state });
  else await println(row.id);
  return 0;
}

/** `__run-task ID`: the detached runner. Exit 0 when it ran (the task's outcome is in the store). */
export async function runTaskVerb(argv: string[], config: Config): Promise<number> {
  // First thing: a cancel (SIGTERM from `cancel`) must abort the run, never kill this process.
  const abort = new AbortController();
  for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(s, () => abort.abort());
  const id = argv[0];
  const resume = argv[1] === "--resume";
  if (!id || argv.length !== (resume ? 2 : 1))
    throw new ClusterError(
      "USAGE",
      "__run-task: expected one task id, optionally --resume (internal verb)",
    );
  const body = resume ? resumeTask : runTask;
  const row = await body(
    openTasksFor(config),
    id,
    (recorder) => createRuntime(config, { recorder }),
    abort,
  );
  if (!row)
    warn(
      resume
        ? `__run-task: task ${id} has no batch job to follow, or another runner took it`
        : `__run-task: task ${id} is not queued (unknown, or taken by another runner)`,
    );
  return row ? 0 : EXIT.usage;
}
