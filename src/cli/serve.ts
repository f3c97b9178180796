// `mcp` (MCP over stdio) and `serve` (MCP over Streamable HTTP): long-running server verbs.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { withTimeout } from "../abort.ts";
import type { Config } from "../config/load.ts";
import { startSelfAdvertiser } from "../discovery/self.ts";
import { ClusterError } from "../errors.ts";
import { createServer } from "../mcp/server.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { createRuntime } from "../run/runtime.ts";
import { createHttpApp, isLoopback } from "../transports/http.ts";
import { mcpDepsFrom } from "../transports/mcp-deps.ts";
import { wholeLines } from "../transports/stdio-lines.ts";
import { loadOrCreateToken } from "../transports/token.ts";
import { statusPageDepsFrom } from "../transports/web/source.ts";
import { parseVerbArgs } from "./args.ts";
import { warn } from "./output.ts";

export const MCP_HELP = `Usage: cluster-exec mcp

Serves MCP over stdio (for Claude Code and other local agents): stdout carries only JSON-RPC, logs go
to stderr. Tools: cluster_bash, offload_to, parallel_execute, cluster_status, put_file, get_file,
and the background task tools task_status, task_wait, task_output, task_cancel (with background:
true).`;

export async function mcpVerb(argv: string[], config: Config): Promise<number> {
  const { values } = parseVerbArgs("mcp", argv, {});
  if (values.help) {
    console.log(MCP_HELP);
    return 0;
  }
  const { rt, tasks, advertiser } = await startServing(config);
  const server = createServer(mcpDepsFrom(rt, "mcp-stdio", tasks));
  const maxLine = stdioMaxMessage(config.settings.file_max_bytes);
  const stdin = wholeLines(process.stdin, maxLine, (bytes) =>
    warn(
      `dropped a request of ${bytes} bytes on stdin: over ${maxLine}, the bound that follows file_max_bytes (it gets no answer)`,
    ),
  );
  // The SDK's own bound never bites: wholeLines hands it no longer line.
  const transport = new StdioServerTransport(stdin, undefined, { maxBufferSize: maxLine + 1 });
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve); // the client went away
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => resolve());
  });
  await server.connect(transport);
  await closed;
  // Stop runs first (their process groups are killed on their nodes), then the connections.
  await shutDown(config, [
    ["stopping runs and connections", () => rt.close()],
    ["writing the audit log", async () => await tasks.recorder.settle?.()],
    ["closing the MCP session", () => server.close()],
    ["stopping mDNS", async () => await advertiser?.close()],
  ]);
  return 0;
}

/**
 * Runs a server's closing steps in order, within a bound: its client is gone or it was told to
 * stop, so it exits even if a step hangs — and says which one did, on stderr.
 */
async function shutDown(config: Config, steps: [string, () => Promise<unknown>][]): Promise<void> {
  const { kill_grace, ssh_timeout, ssh_connect_timeout } = config.settings;
  // Runs get kill_grace + ssh_timeout to be stopped on their nodes; the rest is slack for a
  // saturated machine (a normal close takes well under a second).
  const boundS = kill_grace + ssh_timeout + ssh_connect_timeout + 30;
  let at = "";
  const all = (async () => {
    for (const [what, step] of steps) {
      at = what;
      await step();
    }
    return true;
  })();
  if ((await withTimeout(all, boundS * 1000)) === undefined)
    warn(`shutting down took longer than ${boundS}s (still ${at}); exiting anyway`);
}

/**
 * The longest JSON-RPC line `mcp` reads from stdin: a put_file of file_max_bytes in base64, with
 * room for the rest, and up to 1 GiB. With the SDK's default (10 MiB) a put_file of ~8 MB closed
 * the transport and so ended the server.
 */
export function stdioMaxMessage(fileMaxBytes: number): number {
  return Math.min(Math.max(16 * 1_048_576, Math.ceil(fileMaxBytes / 3) * 4 + 1_048_576), 2 ** 30);
}

export const SERVE_HELP = `Usage: cluster-exec serve [--host 127.0.0.1] [--port 7411]

Serves MCP over Streamable HTTP at http://HOST:PORT/mcp, GET /healthz ({"status":"ok"}; name and
version only with the token), and a live status page at http://HOST:PORT/ (nodes, running tasks
with their output, recent runs, the audit log; it is opened with the address printed at start,
which carries the token). Every /mcp request needs
"Authorization: Bearer TOKEN": CLUSTER_HTTP_TOKEN, else a token generated once into
<state_dir>/http-token (mode 0600) and printed to stderr at start. Requests carrying an Origin
header must come from CLUSTER_HTTP_ORIGINS; the Host header must name this server.`;

export async function serveVerb(argv: string[], config: Config): Promise<number> {
  const { values } = parseVerbArgs("serve", argv, {
    host: { type: "string" },
    port: { type: "string" },
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const host = values.host ?? "127.0.0.1";
  const port = Number(values.port ?? 7411);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ClusterError(
      "USAGE",
      `--port: got ${JSON.stringify(values.port)}, expected a TCP port 0-65535`,
    );
  const s = config.settings;
  const token = loadOrCreateToken(s.state_dir, s.http_token);
  const { rt, tasks, advertiser } = await startServing(config);
  let boundPort = port;
  const http = createHttpApp({
    token: token.token,
    host,
    get port() {
      return boundPort;
    },
    allowedOrigins: s.http_origins,
    maxBodyBytes: s.http_max_body,
    sessionIdleMs: s.http_session_idle * 1000,
    createServer: () => createServer(mcpDepsFrom(rt, "mcp-http", tasks)),
    statusPage: statusPageDepsFrom(rt, tasks),
  });
  // idleTimeout 0: a tool call may stream for minutes; sessions have their own idle sweep.
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ hostname: host, port, idleTimeout: 0, fetch: http.app.fetch });
  } catch (err) {
    await Promise.all([rt.close(), http.close(), advertiser?.close()]);
    throw new ClusterError(
      "USAGE",
      `--host/--port: cannot listen on ${host}:${port}: ${(err as Error).message}`,
    );
  }
  boundPort = server.port ?? port;
  if (!isLoopback(host))
    warn(
      `warning: listening on ${host}, reachable from other machines; the bearer token is all that protects it`,
    );
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  warn(`MCP over HTTP at ${base}/mcp`);
  warn(
    token.from === "CLUSTER_HTTP_TOKEN"
      ? "token: from CLUSTER_HTTP_TOKEN"
      : `token: ${token.token} (${token.created ? "new, saved in" : "from"} ${token.from})`,
  );
  // The token rides in the fragment: browsers never send it to a server, so no access log has it.
  // One taken from the environment is not printed; the page asks for it instead.
  warn(
    token.from === "CLUSTER_HTTP_TOKEN"
      ? `status page: ${base}/ (asks for the token)`
      : `status page: ${base}/#token=${encodeURIComponent(token.token)}`,
  );
  await new Promise<void>((resolve) => {
    // SIGHUP too (its terminal closed): dying of it would leave the runs in flight running.
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => resolve());
  });
  await shutDown(config, [
    ["stopping runs and connections", () => rt.close()],
    ["writing the audit log", async () => await tasks.recorder.settle?.()],
    ["closing the HTTP server", async () => void server.stop(true)],
    ["closing MCP sessions", () => http.close()],
    ["stopping mDNS", async () => await advertiser?.close()],
  ]);
  return 0;
}

/** What both servers run: the task store, the runtime with background sampling, mDNS self-advertising. */
async function startServing(config: Config) {
  // A server must outlive any one failed promise; it reports it instead of dying with it.
  process.on("unhandledRejection", (err) =>
    warn(`internal error (kept serving): ${(err as Error)?.stack ?? err}`),
  );
  const tasks = openTasksFor(config);
  const rt = createRuntime(config, {
    sampleInBackground: true,
    recorder: tasks.recorder,
    agents: true,
  });
  let advertiser: Awaited<ReturnType<typeof startSelfAdvertiser>>;
  try {
    advertiser = await startSelfAdvertiser(config);
  } catch (err) {
    warn(`warning: mDNS self-advertising is off: ${(err as Error).message}`);
  }
  return { rt, tasks, advertiser };
}
