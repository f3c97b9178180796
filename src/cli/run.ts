// `run`: execute a command here or on a named node, stream its output live, exit with its code.
import type { Config } from "../config/load.ts";
import { findLocalNode } from "../discovery/local.ts";
import { EXIT, exitCodeFor } from "../errors.ts";
import type { Executor } from "../exec/executor.ts";
import { createLocalExecutor } from "../exec/local.ts";
import { type RunResult, toRunResult } from "../exec/result.ts";
import { signalNumber } from "../exec/signals.ts";
import { newTaskId } from "../exec/task-id.ts";
import { commandFromArgs, parseVerbArgs, secondsFlag } from "./args.ts";
import { printJson, warn, writeOut } from "./output.ts";

export const RUN_HELP = `Usage: cluster-exec run [--node NAME] [--timeout S] [--cwd DIR] [--json] -- COMMAND...

Runs COMMAND with bash -c (sh where bash is missing) in its own process group, streams its output
live and exits with its exit code. One argument is taken as a shell line ('ls | wc -l'); several are
an argument vector, quoted for you (-- sh -c 'echo a; exit 3').

  --node NAME   run on that node of the configuration (over SSH unless it is this machine)
  --timeout S   kill the whole process group after S seconds (default CLUSTER_CMD_TIMEOUT, 300); exit 124
  --cwd DIR     working directory
  --json        print the result object instead of streaming output
Exit codes: the command's own; 128+N when killed by signal N; 124 timed out; 130 canceled (Ctrl-C);
2 unknown node; 69 node unreachable, key refused or host key changed (nothing ran);
75 connection lost mid-command (outcome unknown).`;

export async function runVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("run", argv, {
    node: { type: "string" },
    timeout: { type: "string" },
    cwd: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    warn("run: no command given; usage: cluster-exec run [flags] -- COMMAND");
    return EXIT.usage;
  }
  const command = commandFromArgs(positionals);
  const timeoutS = secondsFlag("timeout", values.timeout) ?? config.settings.cmd_timeout;
  // Without --node the command runs here (routing is another verb's business for now).
  const nodeName = values.node ?? findLocalNode(config) ?? "local";
  // The ssh stack is loaded only when needed: a bigger live heap lets the GC defer longer, which
  // measurably raised a local 200 MB flood's peak RSS from ~80 to ~170 MB.
  const executor: Executor = values.node
    ? (await import("../exec/for-node.ts")).createExecutorFor(values.node, config) // NODE_UNKNOWN lists known nodes
    : createLocalExecutor();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    const outcome = await executor.run(
      {
        command,
        cwd: values.cwd,
        timeoutMs: timeoutS * 1000,
        outputLimit: config.settings.output_limit,
        killGraceMs: config.settings.kill_grace * 1000,
        onOutput: values.json
          ? undefined
          : (stream, chunk) =>
              writeOut(stream === "stdout" ? process.stdout : process.stderr, chunk),
      },
      abort.signal,
    );
    const result = toRunResult(outcome, { task_id: newTaskId(), node: nodeName, command });
    if (values.json) await printJson(result);
    else explainEnd(result, timeoutS);
    return exitCodeForResult(result);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await executor.close();
  }
}

export function exitCodeForResult(r: RunResult): number {
  if (r.error) return exitCodeFor(r.error.code);
  if (r.timed_out) return EXIT.timedOut;
  if (r.canceled) return EXIT.canceled;
  if (r.signal) return 128 + (signalNumber(r.signal) ?? 0);
  return r.exit_code ?? EXIT.internal;
}

/** One line on stderr when the run did not end by itself, so a person sees why. */
function explainEnd(r: RunResult, timeoutS: number): void {
  if (r.error) warn(`${r.error.code}: ${r.error.message}`);
  else if (r.timed_out)
    warn(`timed out after ${timeoutS}s on ${r.node}; its process group was killed`);
  else if (r.canceled) warn(`canceled on ${r.node}; its process group was killed`);
  else if (r.signal) warn(`killed by ${r.signal} on ${r.node}`);
}
