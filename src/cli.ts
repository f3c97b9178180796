#!/usr/bin/env bun
// cluster-exec command line: argv → verbs. The only module that calls process.exit.
import { agentVerb } from "./cli/agent.ts";
import { clusterStatusVerb } from "./cli/cluster-status.ts";
import { forgetHostVerb } from "./cli/forget-host.ts";
import { configVerb, probeVerb, versionVerb } from "./cli/info.ts";
import { warn } from "./cli/output.ts";
import { routeVerb } from "./cli/route.ts";
import { runVerb } from "./cli/run.ts";
import { mcpVerb, serveVerb } from "./cli/serve.ts";
import { runTaskVerb, submitVerb } from "./cli/submit.ts";
import { cancelVerb, statusVerb, tasksVerb } from "./cli/task-status.ts";
import { logsVerb, waitVerb } from "./cli/task-wait.ts";
import { type Config, loadConfig } from "./config/load.ts";
import { ClusterError, EXIT, exitCodeFor, toClusterError } from "./errors.ts";

const HELP = `cluster-exec: run shell commands on the best machine of a small SSH cluster.

Usage: cluster-exec [--config PATH] VERB [flags]

Verbs:
  mcp                                           MCP server on stdio (Claude Code)
  serve [--host 127.0.0.1] [--port 7411]        MCP over Streamable HTTP at /mcp (bearer token)
  run [--timeout S] [--cwd D] [--json] -- CMD   run a command, stream its output, exit with its code
  submit [routing flags] -- CMD                 start a background task, print its id at once
  status ID [--json]                            a task's state, node, exit code, times
  wait ID [--timeout S]                         wait for a task, print its output, exit with its code
  logs ID [--follow]                            a task's output so far (--follow: until it ends)
  cancel ID                                     kill a task's process group wherever it runs
  tasks [--state S] [--limit N] [--json]        recent tasks, newest first
  route [routing flags] [--json] CMD            where CMD would run and why, without running it
  cluster-status [--json]                       every node: health, load, memory, address, how resolved
  forget-host NAME                              forget a node's pinned SSH host key (after a deliberate change)
  probe [--json]                                this machine's load sample
  config check | show                           validate / print the effective configuration
  version                                       version, target, commit
Run \`cluster-exec VERB --help\` for a verb's flags.`;

/** Pulls a global `--config PATH` (before any `--`) out of argv. */
export function takeConfigFlag(argv: string[]): { configPath?: string; rest: string[] } {
  const rest: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--config") {
      configPath = argv[++i];
      if (configPath === undefined)
        throw new ClusterError("USAGE", "--config: expected a file path after it");
    } else if (a.startsWith("--config=")) configPath = a.slice("--config=".length);
    else rest.push(a);
  }
  return { configPath, rest };
}

export async function main(argv: string[]): Promise<number> {
  const { configPath, rest } = takeConfigFlag(argv);
  const [verb, ...args] = rest;
  const load = (): Config => loadConfig({ configPath });
  switch (verb) {
    case "mcp":
      return mcpVerb(args, load());
    case "serve":
      return serveVerb(args, load());
    case "route":
      return routeVerb(args, load());
    case "run":
      return runVerb(args, load());
    case "submit":
      return submitVerb(args, load());
    case "status":
      return statusVerb(args, load());
    case "wait":
      return waitVerb(args, load());
    case "logs":
      return logsVerb(args, load());
    case "cancel":
      return cancelVerb(args, load());
    case "tasks":
      return tasksVerb(args, load());
    case "agent":
      return agentVerb(args);
    case "__run-task":
      return runTaskVerb(args, load());
    case "cluster-status":
      return clusterStatusVerb(args, load());
    case "forget-host":
      return forgetHostVerb(args, load());
    case "probe":
      return probeVerb(args);
    case "config":
      return configVerb(args, load);
    case "version":
    case "--version":
      return versionVerb(args);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return verb === undefined ? EXIT.usage : 0;
    default:
      throw new ClusterError(
        "USAGE",
        `unknown verb ${JSON.stringify(verb)}; expected one of mcp, serve, run, submit, status, wait, logs, cancel, tasks, route, cluster-status, forget-host, probe, config, version (see --help)`,
      );
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // stdout's reader went away (`cluster-exec logs ID | head`): end quietly, as SIGPIPE would.
      if ((err as NodeJS.ErrnoException)?.code === "EPIPE") process.exit(EXIT.brokenPipe);
      const e = toClusterError(err);
      warn(
        e.code === "INTERNAL" ? `internal error: ${(err as Error)?.stack ?? e.message}` : e.message,
      );
      process.exit(exitCodeFor(e.code));
    },
  );
}
