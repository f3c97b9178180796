#!/usr/bin/env bun
// cluster-exec command line: argv → verbs. The only module that calls process.exit.
// Every verb's module is imported when that verb runs: `version` and `--help` load almost nothing,
// and the thin front of the background process loads no schema, SSH or MCP code at all.
import type { Config } from "./config/load.ts";
import { ClusterError, EXIT, exitCodeFor, toClusterError } from "./errors.ts";

const HELP = `cluster-exec: run shell commands on the best machine of a small SSH cluster.

Usage: cluster-exec [--config PATH] [--no-daemon] VERB [flags]

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
  init [HOST...] [--dry-run] [--force]          probe hosts over SSH and write the configuration
  deploy [NODE...] [--from DIR] [--check]       put this cluster-exec on the nodes (verified by sha256)
  copy SRC NODE:DST | NODE:SRC DST              copy a file to or from a node (atomic, policy-checked)
  forget-host NAME                              forget a node's pinned SSH host key (after a deliberate change)
  probe [--json]                                this machine's load sample
  config check | show                           validate / print the effective configuration
  version [--json] [--sha256]                   version, target, commit (and this binary's sha256)
run, submit, route, status, cluster-status and mcp are served by a per-user background process
(started on first use, gone after daemon_idle seconds idle); --no-daemon or CLUSTER_NO_DAEMON=1
runs them in this process.
Run \`cluster-exec VERB --help\` for a verb's flags.`;

/** Pulls the global `--config PATH` and `--no-daemon` (before any `--`) out of argv. */
export function takeConfigFlag(argv: string[]): {
  configPath?: string;
  noDaemon: boolean;
  rest: string[];
} {
  const rest: string[] = [];
  let configPath: string | undefined;
  let noDaemon = false;
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
    else if (a === "--no-daemon") noDaemon = true;
    else rest.push(a);
  }
  return { configPath, noDaemon, rest };
}

/** The verbs the background process serves for a front. */
const FRONT_VERBS = new Set(["run", "submit", "route", "status", "cluster-status", "mcp"]);

type Verb = (args: string[], config: Config) => Promise<number>;

/** What each verb needs, imported when it runs. */
const VERBS: Record<string, () => Promise<Verb>> = {
  mcp: async () => (await import("./cli/serve.ts")).mcpVerb,
  serve: async () => (await import("./cli/serve.ts")).serveVerb,
  route: async () => (await import("./cli/route.ts")).routeVerb,
  run: async () => (await import("./cli/run.ts")).runVerb,
  submit: async () => (await import("./cli/submit.ts")).submitVerb,
  status: async () => (await import("./cli/task-status.ts")).statusVerb,
  wait: async () => (await import("./cli/task-wait.ts")).waitVerb,
  logs: async () => (await import("./cli/task-wait.ts")).logsVerb,
  cancel: async () => (await import("./cli/task-status.ts")).cancelVerb,
  tasks: async () => (await import("./cli/task-status.ts")).tasksVerb,
  "__run-task": async () => (await import("./cli/submit.ts")).runTaskVerb,
  "cluster-status": async () => (await import("./cli/cluster-status.ts")).clusterStatusVerb,
  "forget-host": async () => (await import("./cli/forget-host.ts")).forgetHostVerb,
  deploy: async () => (await import("./cli/deploy.ts")).deployVerb,
  copy: async () => (await import("./cli/copy.ts")).copyVerb,
};

async function daemonVerbs(): Promise<Record<string, Verb>> {
  const table: Record<string, Verb> = {};
  for (const v of FRONT_VERBS)
    if (v !== "mcp") table[v] = await (VERBS[v] as () => Promise<Verb>)();
  return table;
}

export async function main(argv: string[]): Promise<number> {
  const { configPath, noDaemon, rest } = takeConfigFlag(argv);
  const [verb, ...args] = rest;
  const help = args.some((a) => a === "--help" || a === "-h") && !args.includes("--");
  if (verb && FRONT_VERBS.has(verb) && !noDaemon && !help) {
    const { viaDaemon } = await import("./cli/front.ts");
    const code = await viaDaemon(verb, args, configPath);
    if (code !== undefined) return code;
  }
  const load = async (): Promise<Config> =>
    (await import("./config/load.ts")).loadConfig({ configPath });
  const known = verb === undefined ? undefined : VERBS[verb];
  if (known) return (await known())(args, await load());
  switch (verb) {
    case "agent":
      return (await import("./cli/agent.ts")).agentVerb(args);
    case "__daemon":
      return (await import("./cli/daemon.ts")).daemonVerb(args, await daemonVerbs());
    case "init":
      // Writes the configuration: it reads none (there may be none yet).
      return (await import("./cli/init.ts")).initVerb(args, configPath);
    case "probe":
      return (await import("./cli/info.ts")).probeVerb(args);
    case "config": {
      const { configVerb } = await import("./cli/info.ts");
      const { loadConfig } = await import("./config/load.ts");
      return configVerb(args, () => loadConfig({ configPath }));
    }
    case "version":
    case "--version":
      return (await import("./cli/version.ts")).versionVerb(args);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return verb === undefined ? EXIT.usage : 0;
    default:
      throw new ClusterError(
        "USAGE",
        `unknown verb ${JSON.stringify(verb)}; expected one of mcp, serve, run, submit, status, wait, logs, cancel, tasks, route, cluster-status, init, deploy, copy, forget-host, probe, config, version (see --help)`,
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
      process.stderr.write(
        `cluster-exec: ${e.code === "INTERNAL" ? `internal error: ${(err as Error)?.stack ?? e.message}` : e.message}\n`,
      );
      process.exit(exitCodeFor(e.code));
    },
  );
}
