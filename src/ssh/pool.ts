// The connection pool: ssh2 connections per node (one, more while its run slots are taken, up to
// ssh_connections_per_node), opened on first use, reused, replaced when they die, closed when idle. Retries (with backoff) only what certainly did not send the command.

import type { SFTPWrapper } from "ssh2";
import { abortError, raceAbort, withTimeout } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { buildKillScript } from "../remote/remote-command.ts";
import {
  type ChannelKind,
  MaybeSentError,
  NotSentError,
  type SshConnection,
} from "./connection.ts";
import { openConnection } from "./open-connection.ts";
import type { PoolOptions } from "./pool-options.ts";
import type { RemoteProcess } from "./remote-process.ts";

export { type PoolOptions, poolOptionsFrom } from "./pool-options.ts";

export interface PoolStats {
  /** Connections opened since the pool was created (handshakes completed). */
  connects: number;
  /** Connection attempts that failed. */
  failedConnects: number;
  /** Connections currently open, by node. */
  open: Record<string, number>;
}

interface Slot {
  conn?: SshConnection;
  connecting?: Promise<SshConnection>;
  idleTimer?: ReturnType<typeof setTimeout>;
  /** Run channels given to this connection and not closed yet (running, or waiting for a slot). */
  claims: number;
}

/** A node's connections: the first one carries control channels and the agent; runs spread. */
type Entry = Slot[];

export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  /** Aborted by close(): connections being opened give up at once instead of running to their timeouts. */
  private readonly closing = new AbortController();
  private readonly counters = { connects: 0, failedConnects: 0 };
  private readonly sleeps = new Set<() => void>();
  /** Work that outlives its run (leftover kills): close() lets it finish first, bounded. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(readonly opts: PoolOptions) {}

  /**
   * Sends `command` to the node on a pooled connection and returns the running process. Failures before
   * the command was sent are retried `retries` times with backoff; afterwards they surface as
   * UNREACHABLE (or AUTH_FAILED / HOST_KEY_CHANGED, which are not retried). A possibly sent
   * command is never re-sent: that surfaces as CONNECTION_LOST. Waiting for a free session ends
   * at `sessionDeadline` (performance.now() ms) with NODE_BUSY.
   */
  exec(
    node: NodeConfig,
    command: string,
    kind: ChannelKind = "run",
    signal?: AbortSignal,
    opts: { sessionDeadline?: number } = {},
  ): Promise<RemoteProcess> {
    return this.withConnection(
      node,
      kind,
      signal,
      (conn) => conn.exec(command, kind, signal, opts.sessionDeadline),
      (remote, unclaim) => void remote.closed.then(unclaim),
    );
  }

  /**
   * An SFTP session on the node's pooled connection (it takes a run slot until closed). Opening
   * one has no effect on the node, so every failure before it is open is retried.
   */
  sftp(node: NodeConfig, signal?: AbortSignal): Promise<SFTPWrapper> {
    return this.withConnection(
      node,
      "run",
      signal,
      async (conn) => {
        try {
          return await conn.sftp(signal);
        } catch (err) {
          throw err instanceof MaybeSentError ? new NotSentError(err.message) : err;
        }
      },
      (sftp, unclaim) => sftp.once("close", unclaim),
    );
  }

  /**
   * Runs `use` on a connection of the node, with the retries; a run's claim on that connection
   * (which spreads runs over connections) is handed to `held`, to be released when it ends.
   */
  private async withConnection<T>(
    node: NodeConfig,
    kind: ChannelKind,
    signal: AbortSignal | undefined,
    use: (conn: SshConnection) => Promise<T>,
    held: (value: T, unclaim: () => void) => void,
  ): Promise<T> {
    let last: Error | undefined;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await this.backoff(attempt, signal);
      if (this.closed) throw new ClusterError("INTERNAL", "ssh pool is closed");
      const slot = this.pick(node, kind);
      if (kind === "run") slot.claims++;
      let claimed = kind === "run";
      const unclaim = () => {
        if (claimed) slot.claims--;
        claimed = false;
      };
      try {
        const conn = await raceAbort(this.ready(node, slot), signal);
        this.touch(slot, conn);
        try {
          const value = await use(conn);
          held(value, unclaim);
          return value;
        } finally {
          this.touch(slot, conn);
        }
      } catch (err) {
        unclaim();
        if (err instanceof MaybeSentError)
          throw new ClusterError(
            "CONNECTION_LOST",
            `${err.message}; the command may or may not have started (outcome unknown)`,
            { node: node.name },
          );
        if (err instanceof ClusterError && !err.details.retryable) throw err;
        if (!(err instanceof ClusterError) && !(err instanceof NotSentError)) throw err;
        last = err;
      }
    }
    const tries = this.opts.retries + 1;
    throw new ClusterError(
      "UNREACHABLE",
      `${last?.message ?? `node ${node.name} unreachable`} (${tries} attempt${tries === 1 ? "" : "s"})`,
      { node: node.name },
    );
  }

  /**
   * Kills process group `pgid` on the node (TERM, then KILL after `graceMs`) through the
   * connection's reaper; falls back to a one-shot kill channel. Idempotent, so it may be retried.
   */
  async killGroup(node: NodeConfig, pgid: number, graceMs: number, signal?: AbortSignal) {
    try {
      const conn = await raceAbort(this.ready(node, this.pick(node, "control")), signal);
      if (await conn.killGroup(pgid, graceMs)) return;
    } catch {
      // no connection now: the one-shot path below retries with backoff
    }
    const { channel, closed } = await this.exec(
      node,
      buildKillScript(pgid, graceMs),
      "control",
      signal,
    );
    channel.end();
    channel.resume();
    channel.stderr.resume();
    await closed;
  }

  stats(): PoolStats {
    const open: Record<string, number> = {};
    for (const [name, e] of this.entries) {
      const n = e.filter((s) => s.conn?.alive).length;
      if (n > 0) open[name] = n;
    }
    return { ...this.counters, open };
  }

  /** Keeps `work` (a leftover kill) going until it ends; close() waits for it first. */
  track(work: Promise<unknown>): void {
    const p = work.catch(() => {});
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Closes every connection (bounded) and cancels pending backoffs. */
  async close(): Promise<void> {
    await withTimeout(Promise.all([...this.background]), this.opts.handshakeTimeoutMs);
    this.closed = true;
    this.closing.abort(); // a connect or handshake in progress: not waited for (ssh_connect_timeout)
    for (const wake of this.sleeps) wake();
    const ends: Promise<void>[] = [];
    for (const e of this.entries.values())
      for (const s of e) {
        clearTimeout(s.idleTimer);
        if (s.conn) ends.push(s.conn.end());
      }
    this.entries.clear();
    await Promise.all(ends);
  }

  /**
   * Which connection of the node takes a channel of `kind`. Control and agent channels go to the
   * first one; a run goes to the one with the fewest runs given to it, and once every connection
   * has as many as it has run slots a new one is opened (up to maxConnections) — so a burst of
   * twenty spreads over four connections instead of queueing on one.
   */
  private pick(node: NodeConfig, kind: ChannelKind): Slot {
    let entry = this.entries.get(node.name);
    if (!entry) {
      entry = [];
      this.entries.set(node.name, entry);
    }
    for (const s of entry) if (s.conn && !s.conn.alive) s.conn = undefined;
    // Slots with neither a connection nor one being opened nor runs go (their timer with them).
    const live = entry.filter((s) => s.conn || s.connecting || s.claims > 0);
    for (const s of entry) if (!live.includes(s)) clearTimeout(s.idleTimer);
    entry.splice(0, entry.length, ...live);
    if (kind !== "run" || entry.length === 0) return entry[0] ?? this.newSlot(entry);
    let best = entry[0] as Slot;
    for (const s of entry) if (s.claims < best.claims) best = s;
    if (
      best.claims >= this.opts.runSessions &&
      entry.length < Math.max(1, this.opts.maxConnections)
    )
      return this.newSlot(entry);
    return best;
  }

  private newSlot(entry: Entry): Slot {
    const slot: Slot = { claims: 0 };
    entry.push(slot);
    return slot;
  }

  private async ready(node: NodeConfig, slot: Slot): Promise<SshConnection> {
    if (slot.conn?.alive) return slot.conn;
    slot.conn = undefined;
    slot.connecting ??= this.open(node).then(
      (conn) => {
        slot.connecting = undefined;
        this.counters.connects++;
        if (this.closed) {
          void conn.end();
          throw new ClusterError("INTERNAL", "ssh pool is closed");
        }
        slot.conn = conn;
        conn.onClose(() => {
          if (slot.conn === conn) slot.conn = undefined;
          clearTimeout(slot.idleTimer);
        });
        return conn;
      },
      (err: unknown) => {
        slot.connecting = undefined;
        this.counters.failedConnects++;
        throw err;
      },
    );
    return slot.connecting;
  }

  private async open(node: NodeConfig): Promise<SshConnection> {
    const address = await this.opts.resolve(node);
    try {
      return await openConnection(node, address, this.opts, this.closing.signal);
    } catch (err) {
      if (err instanceof ClusterError && err.code === "UNREACHABLE" && !this.closed)
        this.opts.connectFailed?.(node);
      throw err;
    }
  }

  /** (Re)arms the idle timer of a connection once no channel is in use. */
  private touch(slot: Slot, conn: SshConnection): void {
    if (slot.conn !== conn) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    if (!conn.alive) return;
    const arm = (ms: number) => {
      slot.idleTimer = setTimeout(() => {
        slot.idleTimer = undefined;
        const idleFor = performance.now() - conn.lastActive;
        if (conn.busy > 0) return arm(this.opts.idleTimeoutMs);
        if (idleFor < this.opts.idleTimeoutMs) return arm(this.opts.idleTimeoutMs - idleFor);
        if (slot.conn === conn) slot.conn = undefined;
        void conn.end();
      }, ms);
      slot.idleTimer.unref?.();
    };
    arm(this.opts.idleTimeoutMs);
  }

  private backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const ms = Math.min(this.opts.backoffMs * 2 ** (attempt - 1), 4000);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const done = () => {
        clearTimeout(timer);
        this.sleeps.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(abortError());
      };
      const timer = setTimeout(done, ms);
      this.sleeps.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
