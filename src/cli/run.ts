// `run`: route a command (or run it on --node), stream its output live, exit with its code.
import type { Config } from "../config/load.ts";
import { EXIT, exitCodeFor } from "../errors.ts";
import type { RunResult } from "../exec/result.ts";
import { signalNumber } from "../exec/signals.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { commandFromArgs, parseVerbArgs, secondsFlag } from "./args.ts";
import { currentHost } from "./host.ts";
import { printJson, println, warn } from "./output.ts";
import {
  ROUTING_FLAGS,
  ROUTING_HELP,
  requirementsFromFlags,
  sandboxFromFlag,
} from "./routing-flags.ts";

export const RUN_HELP = `Usage: cluster-exec run [--node NAME] [--os OS] [--arch A] [--cap C]... [--sandbox L] [--timeout S] [--cwd DIR] [--json] -- COMMAND...

Runs COMMAND on the best node for it (light commands here, heavy ones on the node with the most free
capacity that meets the requirements), with bash -c (sh where bash is missing) in its own process
group; streams its output live and exits with its exit code. One argument is taken as a shell line
('ls | wc -l'); several are an argument vector, quoted for you (-- sh -c 'echo a; exit 3').

${ROUTING_HELP}
  --timeout S   kill the whole process group after S seconds (default CLUSTER_CMD_TIMEOUT, 300); exit 124
  --cwd DIR     working directory on the node
  --json        print the result object instead of streaming output
Exit codes: the command's own; 128+N when killed by signal N; 124 timed out; 130 canceled (Ctrl-C);
141 its output's reader went away (| head), so the run was stopped;
2 usage error or unknown node; 69 no node available, node unreachable or busy (no free SSH session
within the timeout), key refused or host key changed (nothing ran); 77 refused by the command policy,
or no sandbox where one was asked for; 75 connection lost mid-command, or a kill not confirmed
(outcome unknown);
70 the shell could not be started (--cwd missing on the node) or an internal error.`;

export async function runVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("run", argv, {
    ...ROUTING_FLAGS,
    timeout: { type: "string" },
    cwd: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    await println(RUN_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    warn("run: no command given; usage: cluster-exec run [flags] -- COMMAND");
    return EXIT.usage;
  }
  const command = commandFromArgs(positionals);
  const requirements = requirementsFromFlags(values);
  const sandbox = sandboxFromFlag(values.sandbox);
  const timeoutS = secondsFlag("timeout", values.timeout) ?? config.settings.cmd_timeout;
  const host = currentHost();
  const recorder = openTasksFor(config).recorder;
  const { rt, release } = await host.runtime(config, { recorder });
  // Ctrl-C, SIGTERM, SIGHUP — here, or of the front whose run this is.
  const abort = new AbortController();
  const cancel = host.cancel();
  const onCancel = () => abort.abort();
  if (cancel.aborted) abort.abort();
  else cancel.addEventListener("abort", onCancel, { once: true });
  // Output nobody reads any more (`run -- yes | head -1`): stop the run, as SIGPIPE would.
  let outputLost = false;
  const forward = async (stream: "stdout" | "stderr", chunk: Uint8Array) => {
    if (outputLost) return;
    try {
      // The host captured above, not currentHost(): this is called from the transport's own
      // events, which carry whichever context opened the connection (another front's, maybe).
      await host.write(stream, chunk);
    } catch {
      outputLost = true;
      abort.abort();
    }
  };
  try {
    if (!values.node) await rt.refreshIfStale(abort.signal);
    const result = await rt.run(
      {
        command,
        node: values.node,
        requirements,
        sandbox,
        timeoutS,
        cwd: values.cwd,
        requester: "cli",
        local: host.local,
      },
      { signal: abort.signal, onOutput: values.json ? undefined : forward },
    );
    if (outputLost) {
      warn(
        `its output could not be written (the reader went away); the run on ${result.node} was stopped`,
      );
      return EXIT.brokenPipe;
    }
    if (values.json) await printJson(result);
    else explainEnd(result, timeoutS);
    return exitCodeForResult(result);
  } finally {
    cancel.removeEventListener("abort", onCancel);
    await release();
    // In-process, the process exits next: its audit records go to disk first.
    if (!host.shared) await recorder.settle?.();
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
