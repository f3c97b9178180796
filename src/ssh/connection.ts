// One open, authenticated ssh2 connection to a node: session channels within a bound (queue
// beyond, refused opens retried), exact exit status capture, half-open detection, the reaper.
import type { Socket } from "node:net";
import type { Client, SFTPWrapper } from "ssh2";
import { abortableSleep, withTimeout } from "../abort.ts";
import { ClusterError } from "../errors.ts";
import type { KnownHosts } from "../remote/host-keys.ts";
import { type ChannelKind, SessionSlots } from "../remote/session-slots.ts";
import { nodeBusyError, noSftpError } from "./channel-errors.ts";
import { buildReaperCommand, Reaper } from "./reaper.ts";
import type { ExitStatus, RemoteProcess } from "./remote-process.ts";
import { requestSftp } from "./sftp-open.ts";

export type { ChannelKind };

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

/** The command was certainly not sent; safe to try again (on another connection). */
export class NotSentError extends Error {}

/** The exec request may have reached the node: never re-send. */
export class MaybeSentError extends Error {}

export class SshConnection {
  alive = true;
  private readonly slots: SessionSlots;
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
    this.slots = new SessionSlots({ run: opts.runSessions, control: opts.controlSessions });
  }

  /** When a channel was last taken or given back (for idle closing). */
  get lastActive(): number {
    return this.slots.lastActive;
  }

  /** Channels in use (the reaper's excepted) plus callers waiting for one. */
  get busy(): number {
    return this.openChannels + this.slots.waiting;
  }

  /** Our open channels on this connection, not counting the reaper. */
  private get openChannels(): number {
    const { run, control, agent } = this.slots.inUse;
    return run + control + agent - (this.reaperInUse ? 1 : 0);
  }

  private reaperP: Promise<Reaper | undefined> | undefined;
  private reaperInUse = false;

  /**
   * Kills process group `pgid` on this node through the connection's reaper (opened on first
   * use, kept open on one control slot). False when no reaper could be had.
   */
  async killGroup(pgid: number, graceMs: number): Promise<boolean> {
    this.slots.lastActive = performance.now();
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
  exec(
    command: string,
    kind: ChannelKind,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<RemoteProcess> {
    return this.openChannel(kind, signal, deadline, () => this.execOnce(command, kind));
  }

  /**
   * Opens an SFTP session on a run slot (it is a session channel like any command); the slot is
   * given back when the session closes. Nothing is sent that could run twice, so any failure to
   * open it may be retried.
   */
  sftp(signal?: AbortSignal): Promise<SFTPWrapper> {
    return this.openChannel("run", signal, undefined, () => this.sftpOnce());
  }

  /**
   * Takes a slot and opens a channel in it, waiting and asking again while sshd refuses; waiting
   * ends at `deadline` (performance.now() ms) with NODE_BUSY.
   */
  private async openChannel<T>(
    kind: ChannelKind,
    signal: AbortSignal | undefined,
    deadline: number | undefined,
    open: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (!this.alive) throw new NotSentError(`connection to ${this.node} closed`);
      await this.slots.acquire(kind, signal, deadline, () => this.busyError(deadline));
      try {
        return await open();
      } catch (err) {
        this.slots.release(kind);
        if (!(err instanceof OpenRefused)) throw err;
      }
      // sshd refused the channel ("open failed": it frees session slots a little after we see
      // them close). Wait a moment and ask again; our own channels finishing free slots.
      // Should nothing of ours be open but the reaper, it yields its slot (a server with a tiny
      // MaxSessions). Only a node that keeps refusing with nothing of ours open fails the run.
      const othersOpen = this.openChannels;
      if (othersOpen === 0 && this.reaperInUse) await this.closeReaper();
      if (othersOpen === 0 && attempt >= REFUSALS_BEFORE_GIVING_UP)
        throw new ClusterError(
          "UNREACHABLE",
          `node ${this.node} refuses every new session (is sshd's MaxSessions very low?)`,
          { node: this.node },
        );
      const pause = Math.min(25 * 2 ** attempt, 400);
      if (deadline !== undefined && performance.now() + pause > deadline)
        throw this.busyError(deadline);
      await abortableSleep(pause, signal);
      if (!this.alive) throw new NotSentError(`connection to ${this.node} closed`);
    }
  }

  private async sftpOnce(): Promise<SFTPWrapper> {
    if (!this.alive) throw new NotSentError(`connection to ${this.node} closed`);
    const r = await requestSftp(this.client, {
      bytesRead: () => this.sock.bytesRead,
      windowMs: Math.max(this.opts.handshakeTimeoutMs, this.opts.keepaliveIntervalMs + 1000),
    });
    switch (r.kind) {
      case "open":
        r.sftp.once("close", () => this.slots.release("run"));
        return r.sftp;
      case "silent":
        this.destroy("no reply to an SFTP session open (connection dead)");
        throw new NotSentError(`connection to ${this.node} did not answer (dead or half-open)`);
      case "refused":
        if (this.alive) throw new OpenRefused(r.message);
        throw new NotSentError(`connection to ${this.node} lost opening SFTP`);
      default:
        if (!this.alive) throw new NotSentError(`connection to ${this.node} lost opening SFTP`);
        throw noSftpError(this.node, r.message);
    }
  }

  private busyError(deadline?: number): ClusterError {
    return nodeBusyError(this.node, this.slots, deadline);
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
      // giving up must destroy the connection: then the exec can never go out late. It was
      // certainly not sent only if nothing at all came back since the open: any byte read may
      // have been the confirmation. Traffic without our reply means a busy node: keep waiting.
      const windowMs = Math.max(this.opts.handshakeTimeoutMs, this.opts.keepaliveIntervalMs + 1000);
      const before = this.sock.bytesRead;
      let seen = before;
      const check = () => {
        if (settled) return;
        if (this.sock.bytesRead === seen) {
          settled = true;
          this.destroy("no reply to a channel open (connection dead)");
          reject(
            seen === before
              ? new NotSentError(`connection to ${this.node} did not answer (dead or half-open)`)
              : new MaybeSentError(
                  `connection to ${this.node} went silent while starting the command`,
                ),
          );
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
                this.slots.release(kind);
                r();
              }),
            );
            return resolve({ channel, exited, closed, alive: () => this.alive });
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

  /** Polite close: SSH disconnect, then the socket; bounded. */
  async end(timeoutMs = 1000): Promise<void> {
    if (!this.alive && this.sock.destroyed) return;
    const closed = new Promise<void>((r) => {
      if (this.sock.destroyed) r();
      else this.sock.once("close", () => r());
    });
    this.client.end();
    await withTimeout(closed, timeoutMs);
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
    this.slots.rejectAll(new NotSentError(`connection to ${this.node} closed (${cause})`));
    for (const l of this.closeListeners.splice(0)) l();
  }
}

class OpenRefused extends Error {}
