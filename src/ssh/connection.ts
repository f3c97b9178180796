// One authenticated ssh2 connection to a node: TCP connect with its own timeout, host-key check,
// keepalives, and a bounded number of session channels (queue beyond, retry refused opens).
import { type Socket, connect as tcpConnect } from "node:net";
import { Client, type ClientChannel } from "ssh2";
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { planAuth } from "./auth.ts";
import { hostKeyChangedError, type KnownHosts } from "./host-keys.ts";
import { buildReaperCommand, Reaper } from "./reaper.ts";

/** ~10 s of refused channel opens while nothing of ours holds a session: the node will not budge. */
const REFUSALS_BEFORE_GIVING_UP = 30;

export interface ConnectionOptions {
  connectTimeoutMs: number;
  /** Handshake + authentication; also how long a channel open may go without any reply. */
  handshakeTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Concurrent command channels; OpenSSH's MaxSessions is 10 and frees slots late, so 5. */
  runSessions: number;
  /** Extra channels for kills, so a full connection can still stop its own commands. */
  controlSessions: number;
  knownHosts: KnownHosts;
  auth: { ssh_auth_sock?: string; home: string };
}

export type ChannelKind = "run" | "control";

export interface ExitStatus {
  code: number | null;
  /** "SIGTERM" style, when the process was killed by a signal. */
  signal: string | null;
}

/**
 * A command running on a node. The listeners are attached the moment the channel exists: ssh2
 * may deliver data, exit status and close in the same socket read as the exec reply, before any
 * awaiting caller gets to run, and an 'exit' event nobody listened to is lost.
 */
export interface RemoteProcess {
  channel: ClientChannel;
  /** Resolves when the node reports the exit status; never when it does not (connection lost). */
  exited: Promise<ExitStatus>;
  /** Resolves when the channel is closed (after its output ended), for whatever reason. */
  closed: Promise<void>;
}

/** The command was certainly not sent; safe to try again (on another connection). */
export class NotSentError extends Error {}

/** The exec request may have reached the node: never re-send. */
export class MaybeSentError extends Error {}

let nextId = 1;

/** Opens a connection: TCP (connectTimeoutMs), then handshake + auth (handshakeTimeoutMs). */
export async function openConnection(
  node: NodeConfig,
  address: string,
  opts: ConnectionOptions,
): Promise<SshConnection> {
  const plan = planAuth(node, opts.auth); // AUTH_FAILED before any traffic when there is no key
  const where = `${node.user}@${address}:${node.port}`;
  const sock = await tcp(node.name, address, node.port, opts.connectTimeoutMs);
  const client = new Client();
  let hostKeyError: ClusterError | undefined;
  const notes: string[] = [];
  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    const fail = (err: ClusterError) => {
      if (settled) return;
      settled = true;
      clearTimeout(hardStop);
      client.removeAllListeners("ready");
      client.on("error", () => {}); // late errors of a connection we gave up on
      client.destroy();
      sock.destroy();
      reject(err);
    };
    // ssh2's readyTimeout covers the handshake; this backs it up should the close never come.
    const hardStop = setTimeout(
      () =>
        fail(
          unreachable(node.name, where, `handshake timed out after ${opts.handshakeTimeoutMs} ms`),
        ),
      opts.handshakeTimeoutMs + 1000,
    );
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      clearTimeout(hardStop);
      resolve(new SshConnection(node.name, client, sock, opts));
    });
    client.on("error", (err: Error & { level?: string }) => {
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      if (
        err.level === "agent" ||
        (err.level === "client-authentication" && !/All configured/.test(err.message))
      ) {
        notes.push(err.message); // ssh2 goes on with the next method
        return;
      }
      if (err.level === "client-authentication")
        return fail(
          new ClusterError(
            "AUTH_FAILED",
            `node ${node.name} (${where}) accepted none of: ${plan.offered.join(", ")}${notes.length ? ` (${notes.join("; ")})` : ""}`,
            { node: node.name, tried: plan.offered },
          ),
        );
      if (err.level === "client-timeout")
        return fail(
          unreachable(node.name, where, `handshake timed out after ${opts.handshakeTimeoutMs} ms`),
        );
      fail(unreachable(node.name, where, err.message));
    });
    client.on("close", () =>
      fail(hostKeyError ?? unreachable(node.name, where, "connection closed during the handshake")),
    );
    client.connect({
      sock,
      username: node.user,
      readyTimeout: opts.handshakeTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      authHandler: plan.methods,
      hostVerifier: (key: Buffer) => {
        try {
          const v = opts.knownHosts.check(node.name, key);
          if (v.verdict === "match") return true;
          if (v.verdict === "new") {
            opts.knownHosts.pin(node.name, key); // accept-new
            return true;
          }
          hostKeyError = hostKeyChangedError(node.name, v.pinned, key, opts.knownHosts.path);
        } catch (err) {
          hostKeyError = new ClusterError(
            "INTERNAL",
            `cannot pin the host key of node ${node.name} in ${opts.knownHosts.path}: ${(err as Error).message}`,
          );
        }
        return false;
      },
    });
  });
}

function unreachable(node: string, where: string, why: string): ClusterError {
  return new ClusterError("UNREACHABLE", `node ${node} (${where}) unreachable: ${why}`, {
    node,
    retryable: true,
  });
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is sshd running there?)",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  ECONNRESET: "connection reset",
};

function socketErrorText(err: NodeJS.ErrnoException): string {
  const known = err.code ? SOCKET_ERRORS[err.code] : undefined;
  return known ? `${known} [${err.code}]` : (err.code ?? err.message);
}

/** TCP connect with its own timeout (ssh2 has none separate from the handshake's). */
function tcp(node: string, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(unreachable(node, `${host}:${port}`, `TCP connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeAllListeners("error");
      resolve(sock);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      reject(unreachable(node, `${host}:${port}`, socketErrorText(err)));
    });
  });
}

interface Waiter {
  kind: ChannelKind;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SshConnection {
  readonly id = nextId++;
  alive = true;
  /** Why it died, for error messages. */
  deathCause = "";
  private readonly inUse: Record<ChannelKind, number> = { run: 0, control: 0 };
  private waiters: Waiter[] = [];
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly node: string,
    private readonly client: Client,
    private readonly sock: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    client.on("error", (err: Error) => this.markDead(err.message));
    client.on("end", () => this.markDead("closed by the node"));
    client.on("close", () => this.markDead("closed"));
  }

  /** When a channel was last taken or given back (for idle closing). */
  lastActive = performance.now();

  /** Channels in use plus callers waiting for one. */
  get busy(): number {
    const reaperSlot = this.reaperInUse ? 1 : 0;
    return this.inUse.run + this.inUse.control - reaperSlot + this.waiters.length;
  }

  private reaperP: Promise<Reaper | undefined> | undefined;
  private reaperInUse = false;

  /**
   * Kills process group `pgid` on this node through the connection's reaper (opened on first
   * use, kept open on one control slot). False when no reaper could be had.
   */
  async killGroup(pgid: number, graceMs: number): Promise<boolean> {
    this.lastActive = performance.now();
    this.reaperP ??= this.exec(buildReaperCommand(), "control").then(
      (remote) => {
        const reaper = new Reaper(remote);
        this.reaperInUse = true;
        void remote.closed.then(() => {
          this.reaperInUse = false;
          this.reaperP = undefined; // the next kill opens a new one
        });
        return reaper;
      },
      () => {
        this.reaperP = undefined;
        return undefined;
      },
    );
    const reaper = await this.reaperP;
    return reaper ? reaper.kill(pgid, graceMs) : false;
  }

  onClose(listener: () => void): void {
    if (this.alive) this.closeListeners.push(listener);
    else listener();
  }

  /**
   * Opens a session channel and sends `command` on it. Rejects with NotSentError when the command
   * certainly did not reach the node, MaybeSentError when it may have.
   */
  async exec(command: string, kind: ChannelKind, signal?: AbortSignal): Promise<RemoteProcess> {
    for (let attempt = 0; ; attempt++) {
      await this.acquire(kind, signal);
      try {
        return await this.execOnce(command, kind);
      } catch (err) {
        this.release(kind);
        if (!(err instanceof OpenRefused)) throw err;
      }
      // sshd refused the channel ("open failed": it frees session slots a little after we see
      // them close). Wait a moment and ask again; our own channels finishing free slots.
      // Should nothing of ours be open but the reaper, it yields its slot (a server with a tiny
      // MaxSessions). Only a node that keeps refusing with nothing of ours open fails the run.
      const othersOpen = this.inUse.run + this.inUse.control - (this.reaperInUse ? 1 : 0);
      if (othersOpen === 0 && this.reaperInUse) await this.closeReaper();
      if (othersOpen === 0 && attempt >= REFUSALS_BEFORE_GIVING_UP)
        throw new ClusterError(
          "UNREACHABLE",
          `node ${this.node} refuses every new session (is sshd's MaxSessions very low?)`,
          { node: this.node },
        );
      await abortableSleep(Math.min(25 * 2 ** attempt, 400), signal);
      if (!this.alive) throw new NotSentError(`connection to ${this.node} closed`);
    }
  }

  private async closeReaper(): Promise<void> {
    const reaper = await this.reaperP;
    reaper?.close();
  }

  private execOnce(command: string, kind: ChannelKind): Promise<RemoteProcess> {
    return new Promise((resolve, reject) => {
      if (!this.alive) return reject(new NotSentError(`connection to ${this.node} closed`));
      let settled = false;
      // A channel open that gets no reply at all — not a byte on the socket, not even the
      // answer to a keepalive, which goes out at least once in the window — means the connection
      // is dead (half-open). ssh2 sends the exec request the moment the open is confirmed, so
      // giving up must destroy the connection: then the exec can never go out late, and was
      // certainly not sent. Traffic without our reply means a busy node: keep waiting.
      const windowMs = Math.max(this.opts.handshakeTimeoutMs, this.opts.keepaliveIntervalMs + 1000);
      let seen = this.sock.bytesRead;
      const check = () => {
        if (settled) return;
        if (this.sock.bytesRead === seen) {
          settled = true;
          this.destroy("no reply to a channel open (connection dead)");
          reject(new NotSentError(`connection to ${this.node} did not answer (dead or half-open)`));
        } else {
          seen = this.sock.bytesRead;
          timer = setTimeout(check, windowMs);
        }
      };
      let timer = setTimeout(check, windowMs);
      try {
        this.client.exec(command, (err, channel) => {
          clearTimeout(timer);
          if (settled) {
            channel?.close();
            return;
          }
          settled = true;
          if (!err) {
            const exited = new Promise<ExitStatus>((r) =>
              channel.once("exit", (code: number | null, sig?: string) =>
                r(
                  sig
                    ? { code: null, signal: sig.startsWith("SIG") ? sig : `SIG${sig}` }
                    : { code, signal: null },
                ),
              ),
            );
            const closed = new Promise<void>((r) =>
              channel.once("close", () => {
                this.release(kind);
                r();
              }),
            );
            return resolve({ channel, exited, closed });
          }
          const e = err as Error & { reason?: number | string };
          if (e.reason !== undefined && this.alive) return reject(new OpenRefused(e.message));
          if (e.message === "No response from server" || e.reason !== undefined)
            return reject(
              new NotSentError(`connection to ${this.node} closed before the command was sent`),
            );
          if (!this.alive)
            return reject(
              new MaybeSentError(`connection to ${this.node} lost while starting the command`),
            );
          reject(
            new ClusterError(
              "SPAWN_FAILED",
              `node ${this.node} refused to run the command: ${e.message}`,
            ),
          );
        });
      } catch (err) {
        clearTimeout(timer);
        settled = true;
        this.destroy((err as Error).message);
        reject(new NotSentError(`connection to ${this.node} closed: ${(err as Error).message}`));
      }
    });
  }

  private limit(kind: ChannelKind): number {
    return kind === "run" ? this.opts.runSessions : this.opts.controlSessions;
  }

  private acquire(kind: ChannelKind, signal?: AbortSignal): Promise<void> {
    if (!this.alive) return Promise.reject(new NotSentError(`connection to ${this.node} closed`));
    if (signal?.aborted) return Promise.reject(abortError());
    this.lastActive = performance.now();
    if (this.inUse[kind] < this.limit(kind)) {
      this.inUse[kind]++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        kind,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(abortError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(kind: ChannelKind): void {
    this.lastActive = performance.now();
    const next = this.waiters.findIndex((w) => w.kind === kind);
    if (next >= 0 && this.alive) {
      const [w] = this.waiters.splice(next, 1);
      w?.resolve(); // the slot passes straight to the next waiter
    } else this.inUse[kind] = Math.max(0, this.inUse[kind] - 1);
  }

  /** Polite close: SSH disconnect, then the socket; bounded. */
  async end(timeoutMs = 1000): Promise<void> {
    if (!this.alive && this.sock.destroyed) return;
    const closed = new Promise<void>((r) => {
      if (this.sock.destroyed) r();
      else this.sock.once("close", () => r());
    });
    this.client.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.destroy("closed by cluster-exec");
  }

  destroy(cause: string): void {
    this.markDead(cause);
    this.client.destroy();
    this.sock.destroy();
  }

  private markDead(cause: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.deathCause = cause;
    for (const w of this.waiters.splice(0))
      w.reject(new NotSentError(`connection to ${this.node} closed (${cause})`));
    for (const l of this.closeListeners.splice(0)) l();
  }
}

class OpenRefused extends Error {}

export function abortError(): Error {
  const e = new Error("aborted");
  e.name = "AbortError";
  return e;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
