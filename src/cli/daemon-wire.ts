// The per-user background process's door: where its unix socket is (in the state directory, 0600,
// owner checked) and the frames spoken on it (the agent's length-prefixed codec, other types).
// Light on purpose: the thin front imports this and nothing heavy.
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../version.ts";

declare const BUILD_COMMIT: string | undefined;

/** Frame types: front → background process (0x0_), and back (0x8_). */
export const D = {
  request: 0x01,
  cancel: 0x02,
  /** The front's stdout is gone (EPIPE): writes to it must fail, as they would in-process. */
  outputLost: 0x03,
  stdout: 0x81,
  stderr: 0x82,
  exit: 0x83,
  /** Not served here (another version, a verb it does not host): the front runs it in-process. */
  refused: 0x84,
} as const;

/** The first frame of every connection. `verb: "mcp"` turns the rest into raw MCP bytes. */
export interface DaemonRequest {
  /** The front's build; another one is refused (the front then runs in-process). */
  build: string;
  verb: string;
  args: string[];
  configPath?: string;
  cwd: string;
  env: Record<string, string>;
}

/** Front and background process must be the very same build to share a socket. */
export function buildId(): string {
  return `${VERSION}-${typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "dev"}`;
}

/** A unix socket path must fit sun_path (104 bytes on macOS, 108 on Linux). */
const MAX_SOCKET_PATH = 100;

/** Where the background process of this state directory listens. */
export function daemonSocketPath(stateDir: string): string {
  const name = `daemon-${buildId().replace(/[^A-Za-z0-9._-]/g, "_")}.sock`;
  const inState = join(stateDir, name);
  if (Buffer.byteLength(inState) <= MAX_SOCKET_PATH) return inState;
  // Too long for a socket: a private directory of our own under /tmp, named by the state dir.
  const hash = createHash("sha256").update(stateDir).digest("hex").slice(0, 12);
  const uid = process.getuid?.() ?? 0;
  return join(tmpdir(), `cluster-exec-${uid}-${hash}`, name);
}

/** Creates the socket's directory 0700 (a /tmp one must be ours and private). */
export function ensureSocketDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0)
    throw new Error(`${dir}: not a private directory of this user (mode 0700 expected)`);
}

/** The socket exists and belongs to this user (anything else is not ours to talk to). */
export function socketIsOurs(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isSocket() && st.uid === (process.getuid?.() ?? st.uid);
  } catch {
    return false;
  }
}

/** Where the background process writes its diagnostics. */
export function daemonLogPath(socketPath: string): string {
  return socketPath.replace(/\.sock$/, ".log");
}

export function socketDirOf(socketPath: string): string {
  return join(socketPath, "..");
}
