// The thin front of a one-shot verb (run, submit, route, status, cluster-status) or of `mcp`: it
// hands the call to the per-user background process over its unix socket — starting it on first
// use — and streams the answer back: output with backpressure, Ctrl-C as a cancel, the exit code.
// It imports nothing heavy (no schema, no SSH, no MCP SDK): that is the point of it.
import { closeSync, openSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { encodeFrame, encodeJson, FrameReader, parseJson } from "../agent/protocol.ts";
import { frontFacts } from "../config/load.ts";
import {
  buildId,
  D,
  type DaemonRequest,
  daemonLogPath,
  daemonSocketPath,
  ensureSocketDir,
  socketDirOf,
  socketIsOurs,
} from "./daemon-wire.ts";

/** How long a starting background process may take to listen (a loaded machine, from source). */
const START_WAIT_MS = 20_000;
const CLI_SOURCE = join(import.meta.dir, "..", "cli.ts");

/**
 * Runs the verb in the background process; undefined when it cannot or will not (opted out, other
 * build, not ours): the caller then runs it in-process, as before.
 */
export async function viaDaemon(
  verb: string,
  args: string[],
  configPath: string | undefined,
): Promise<number | undefined> {
  const facts = frontFacts(configPath);
  if (facts.noDaemon) return undefined;
  const path = daemonSocketPath(facts.stateDir);
  const sock = await reach(path, facts.stateDir, facts.daemonIdle);
  if (!sock) return undefined;
  const req: DaemonRequest = {
    build: buildId(),
    verb,
    args,
    configPath,
    cwd: process.cwd(),
    env: facts.env,
  };
  sock.write(encodeJson(D.request, 0, req));
  return verb === "mcp" ? pipeMcp(sock) : converse(sock);
}

/** Connects, starting the background process when nobody listens yet. */
async function reach(path: string, stateDir: string, idle: number): Promise<Socket | undefined> {
  if (socketIsOurs(path)) {
    const s = await tryConnect(path);
    if (s) return s;
  }
  startDaemon(stateDir, path, idle);
  const deadline = performance.now() + START_WAIT_MS;
  for (let wait = 5; performance.now() < deadline; wait = Math.min(wait * 2, 100)) {
    await Bun.sleep(wait);
    if (!socketIsOurs(path)) continue;
    const s = await tryConnect(path);
    if (s) return s;
  }
  return undefined;
}

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => resolve(s));
    s.once("error", () => {
      s.destroy();
      resolve(undefined);
    });
  });
}

function startDaemon(stateDir: string, socketPath: string, idle: number): void {
  const self = Bun.main.startsWith("/$bunfs/")
    ? [process.execPath]
    : [process.execPath, CLI_SOURCE];
  let log: number | "ignore" = "ignore";
  try {
    ensureSocketDir(socketDirOf(socketPath));
    log = openSync(daemonLogPath(socketPath), "a", 0o600);
  } catch {
    // no log then; a daemon that cannot start shows by not answering
  }
  try {
    // Its own session (no terminal, no group shared with this call), cwd / (holds no directory).
    const proc = Bun.spawn([...self, "__daemon", "--state-dir", stateDir, "--idle", String(idle)], {
      detached: true,
      stdin: "ignore",
      stdout: "ignore",
      stderr: log,
      cwd: "/",
    });
    proc.unref();
  } finally {
    if (typeof log === "number") closeSync(log);
  }
}

/** A one-shot verb: frames until the exit code. */
function converse(sock: Socket): Promise<number | undefined> {
  return new Promise((resolve) => {
    const reader = new FrameReader();
    let code: number | undefined;
    let refused = false;
    const onSignal = () => sock.write(encodeFrame(D.cancel, 0));
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const s of signals) process.on(s, onSignal);
    let lost = false;
    // One drain wait per stream at a time: several frames of one socket read may each find the
    // stream full (a listener per frame piled up past Node's limit and warned on stderr).
    const waiting = new Set<NodeJS.WriteStream>();
    const write = (out: NodeJS.WriteStream, payload: Uint8Array) => {
      if (lost && out === process.stdout) return;
      try {
        if (!out.write(payload) && !waiting.has(out)) {
          waiting.add(out);
          sock.pause(); // backpressure: the background process waits on its socket
          out.once("drain", () => {
            waiting.delete(out);
            if (waiting.size === 0) sock.resume();
          });
        }
      } catch {
        if (out !== process.stdout) return;
        lost = true;
        sock.write(encodeFrame(D.outputLost, 0));
      }
    };
    process.stdout.on("error", () => {
      if (lost) return;
      lost = true;
      sock.resume();
      sock.write(encodeFrame(D.outputLost, 0));
    });
    sock.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === D.stdout) write(process.stdout, f.payload);
        else if (f.type === D.stderr) write(process.stderr, f.payload);
        else if (f.type === D.exit) code = parseJson<{ code: number }>(f.payload).code;
        else if (f.type === D.refused) refused = true;
      }
    });
    sock.on("close", () => {
      for (const s of signals) process.off(s, onSignal);
      if (refused) return resolve(undefined);
      if (code === undefined)
        process.stderr.write("cluster-exec: the background process went away mid-call\n");
      resolve(code ?? 75);
    });
    sock.on("error", () => {});
  });
}

/** `mcp`: from here on the socket carries the MCP stdio stream both ways, byte for byte. */
function pipeMcp(sock: Socket): Promise<number> {
  return new Promise((resolve) => {
    process.stdin.pipe(sock);
    sock.pipe(process.stdout);
    sock.on("close", () => resolve(0));
    sock.on("error", () => {});
    process.stdin.on("end", () => sock.end());
  });
}
