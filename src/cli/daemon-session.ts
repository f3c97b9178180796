// One front's connection to the background process: its request frame, then either a one-shot
// verb run here with the front's streams, cancel and directory (host.ts), or an MCP stdio session
// over the socket served by the shared runtime.
import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { encodeFrame, encodeJson, FrameReader, frameHeader, parseJson } from "../agent/protocol.ts";
import { exitCodeFor, toClusterError } from "../errors.ts";
import { createServer } from "../mcp/server.ts";
import { spawnRunnerIn } from "../tasks/detach.ts";
import { mcpDepsFrom } from "../transports/mcp-deps.ts";
import { wholeLines } from "../transports/stdio-lines.ts";
import type { Runtimes } from "./daemon-runtimes.ts";
import { buildId, D, type DaemonRequest } from "./daemon-wire.ts";
import { type Host, withHost } from "./host.ts";
import { stdioMaxMessage } from "./serve.ts";

/** The verbs a front may hand over, and what runs them. */
export type VerbTable = Record<
  string,
  (args: string[], config: import("../config/load.ts").Config) => Promise<number>
>;

/** Serves one connection; resolves when it is done. */
export function serveConnection(sock: Socket, runtimes: Runtimes, verbs: VerbTable): Promise<void> {
  return new Promise((resolve) => {
    const reader = new FrameReader();
    let started = false;
    const closed = new AbortController();
    sock.on("close", () => {
      closed.abort();
      resolve();
    });
    sock.on("error", () => {});
    const onData = (chunk: Buffer) => {
      if (started) return;
      let first: ReturnType<FrameReader["push"]>[number] | undefined;
      try {
        // Only the request frame: after an `mcp` request the same chunk may carry raw MCP bytes.
        first = reader.push(chunk, 1)[0];
      } catch {
        sock.destroy();
        return;
      }
      if (!first) return;
      started = true;
      sock.off("data", onData);
      if (first.type !== D.request) return void sock.destroy();
      const req = parseJson<DaemonRequest>(first.payload);
      if (req.build !== buildId()) return refuse(sock);
      if (req.verb === "mcp") return mcpSession(sock, req, reader.rest(), runtimes, closed.signal);
      const verb = verbs[req.verb];
      if (!verb) return refuse(sock);
      let early: ReturnType<FrameReader["push"]>;
      try {
        early = reader.push(new Uint8Array(0));
      } catch {
        sock.destroy();
        return;
      }
      void oneShot(sock, req, verb, runtimes, reader, early, closed.signal);
    };
    sock.on("data", onData);
  });
}

function refuse(sock: Socket): void {
  sock.end(encodeFrame(D.refused, 0));
}

async function oneShot(
  sock: Socket,
  req: DaemonRequest,
  verb: VerbTable[string],
  runtimes: Runtimes,
  reader: FrameReader,
  early: ReturnType<FrameReader["push"]>,
  closed: AbortSignal,
): Promise<void> {
  const cancel = new AbortController();
  closed.addEventListener("abort", () => cancel.abort(), { once: true });
  let outputLost = false;
  const control = (f: { type: number }) => {
    if (f.type === D.cancel) cancel.abort();
    else if (f.type === D.outputLost) outputLost = true;
  };
  for (const f of early) control(f);
  sock.on("data", (chunk: Buffer) => {
    try {
      for (const f of reader.push(chunk)) control(f);
    } catch {
      sock.destroy();
    }
  });
  const send = async (type: number, bytes: Uint8Array) => {
    if (sock.destroyed) throw Object.assign(new Error("front gone"), { code: "EPIPE" });
    // Header and payload as two writes, corked into one: output is not copied into a frame.
    sock.cork();
    sock.write(frameHeader(type, 0, bytes.length));
    const more = sock.write(bytes);
    sock.uncork();
    if (!more)
      await new Promise<void>((r) => {
        const done = () => {
          sock.off("drain", done);
          sock.off("close", done);
          r();
        };
        sock.on("drain", done);
        sock.on("close", done);
      });
  };
  const bytes = (chunk: Uint8Array | string) =>
    typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
  const host: Host = {
    async write(stream, chunk) {
      if (stream === "stdout" && outputLost)
        throw Object.assign(new Error("stdout closed"), { code: "EPIPE" });
      await send(stream === "stdout" ? D.stdout : D.stderr, bytes(chunk));
    },
    warn(line) {
      void send(D.stderr, bytes(line)).catch(() => {});
    },
    cancel: () => cancel.signal,
    runtime: async (config) => ({ rt: runtimes.warm(config).rt, release: async () => {} }),
    spawnRunner: spawnRunnerIn({ cwd: req.cwd, env: req.env }),
    local: { cwd: req.cwd, env: req.env },
    shared: true,
    startedAt: performance.now(),
  };
  let code: number;
  try {
    code = await withHost(host, () => verb(req.args, runtimes.config(req.configPath, req.env)));
  } catch (err) {
    const e = toClusterError(err);
    const text =
      e.code === "INTERNAL" ? `internal error: ${(err as Error)?.stack ?? e.message}` : e.message;
    host.warn(`cluster-exec: ${text}\n`);
    code = exitCodeFor(e.code);
  }
  if (!sock.destroyed) sock.end(encodeJson(D.exit, 0, { code }));
}

function mcpSession(
  sock: Socket,
  req: DaemonRequest,
  rest: Uint8Array,
  runtimes: Runtimes,
  closed: AbortSignal,
): void {
  let warm: ReturnType<Runtimes["warm"]>;
  try {
    warm = runtimes.warm(runtimes.config(req.configPath, req.env));
  } catch (err) {
    // Nothing MCP can carry before initialize: the front's client sees the server end.
    process.stderr.write(`cluster-exec: mcp front: ${toClusterError(err).message}\n`);
    sock.destroy();
    return;
  }
  const local = { cwd: req.cwd, env: req.env };
  const deps = mcpDepsFrom(warm.rt, "mcp-stdio", warm.tasks, { spawn: spawnRunnerIn(local) });
  // The session's runs end with it (a client that went away cancels what it started).
  deps.run = (r, hooks = {}) =>
    warm.rt.run(
      { ...r, local },
      { ...hooks, signal: hooks.signal ? AbortSignal.any([hooks.signal, closed]) : closed },
    );
  const input = new PassThrough();
  if (rest.length > 0) input.write(rest);
  sock.on("data", (chunk: Buffer) => input.write(chunk));
  sock.on("end", () => input.end());
  const server = createServer(deps);
  // As `mcp` in-process: whole lines to the SDK, none over the bound (past its own bound the SDK
  // would close the session for one oversized put_file). A drop is said in the process's log.
  const maxLine = stdioMaxMessage(warm.config.settings.file_max_bytes);
  const lines = wholeLines(input, maxLine, (bytes) =>
    process.stderr.write(
      `cluster-exec: mcp front: dropped a request of ${bytes} bytes: over ${maxLine}, the bound that follows file_max_bytes (it gets no answer)\n`,
    ),
  );
  const transport = new StdioServerTransport(lines, sock, { maxBufferSize: maxLine + 1 });
  closed.addEventListener("abort", () => void server.close().catch(() => {}), { once: true });
  void server.connect(transport).catch(() => sock.destroy());
}
