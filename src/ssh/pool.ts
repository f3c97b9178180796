// The connection pool: one ssh2 connection per node, opened on first use, reused, replaced when it
// dies, closed when idle. Retries (with backoff) only what certainly did not send the command.

import type { SFTPWrapper } from "ssh2";
import { abortError, raceAbort } from "../abort.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { KnownHosts, knownHostsPath } from "../remote/host-keys.ts";
import { buildKillScript } from "../remote/remote-command.ts";
import { forgetAddress, nodeAddress } from "./address.ts";
import {
  type ChannelKind,
  type ConnectionOptions,
  MaybeSentError,
  NotSentError,
  type SshConnection,
} from "./connection.ts";
import { openConnection } from "./open-connection.ts";
import type { RemoteProcess } from "./remote-process.ts";

export interface PoolOptions extends ConnectionOptions {
  /** Extra attempts after a failure that happened before the command was sent. */
  retries: number;
  /** First backoff between attempts; doubles each time. */
  backoffMs: number;
  /** A connection with no channel for this long is closed. */
  idleTimeoutMs: number;
  /** Where to connect to a node (discovery); may throw UNREACHABLE. */
  resolve: (node: NodeConfig, signal?: AbortSignal) => Promise<string>;
  /** Told when connecting to an address failed, so discovery can look again next time. */
  connectFailed?: (node: NodeConfig) => void;
}

export function poolOptionsFrom(config: Config, overrides: Partial<PoolOptions> = {}): PoolOptions {
  const settings = config.settings;
  return {
    resolve: (node, signal) => nodeAddress(node, config, { signal }),
    connectFailed: (node) => forgetAddress(node, config),
    connectTimeoutMs: settings.ssh_connect_timeout * 1000,
    handshakeTimeoutMs: settings.ssh_timeout * 1000,
    retries: settings.ssh_retries,
    backoffMs: 250,
    keepaliveIntervalMs: settings.ssh_keepalive * 1000,
    keepaliveCountMax: 3,
    idleTimeoutMs: 60_000,
    runSessions: 5,
    controlSessions: 3,
    knownHosts: new KnownHosts(knownHostsPath(settings.state_dir)),
    auth: { ssh_auth_sock: settings.ssh_auth_sock, home: settings.home },
    ...overrides,
  };
}

export interface PoolStats {
  /** Connections opened since the pool was created (handshakes completed). */
  connects: number;
  /** Connection attempts that failed. */
  failedConnects: number;
  /** Connections currently open, by node. */
  open: Record<string, number>;
}

interface Entry {
  conn?: SshConnection;
  connecting?: Promise<SshConnection>;
  idleTimer?: ReturnType<typeof setTimeout>;
}

export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private readonly counters = { connects: 0, failedConnects: 0 };
  private readonly sleeps = new Set<() => void>();

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
    return this.withConnection(node, signal, (conn) =>
      conn.exec(command, kind, signal, opts.sessionDeadline),
    );
  }

  /**
   * An SFTP session on the node's pooled connection (it takes a run slot until closed). Opening
   * one has no effect on the node, so every failure before it is open is retried.
   */
  sftp(node: NodeConfig, signal?: AbortSignal): Promise<SFTPWrapper> {
    return this.withConnection(node, signal, async (conn) => {
      try {
        return await conn.sftp(signal);
      } catch (err) {
        throw err instanceof MaybeSentError ? new NotSentError(err.message) : err;
      }
    });
  }

  private async withConnection<T>(
    node: NodeConfig,
    signal: AbortSignal | undefined,
    use: (conn: SshConnection) => Promise<T>,
  ): Promise<T> {
    let last: Error | undefined;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await this.backoff(attempt, signal);
      if (this.closed) throw new ClusterError("INTERNAL", "ssh pool is closed");
      try {
        const conn = await raceAbort(this.connection(node), signal);
        this.touch(node.name, conn);
        try {
          return await use(conn);
        } finally {
          this.touch(node.name, conn);
        }
      } catch (err) {
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
      const conn = await raceAbort(this.connection(node), signal);
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
    for (const [name, e] of this.entries) if (e.conn?.alive) open[name] = 1;
    return { ...this.counters, open };
  }

  /** Closes every connection (bounded) and cancels pending backoffs. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleeps) wake();
    const ends: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      clearTimeout(e.idleTimer);
      if (e.conn) ends.push(e.conn.end());
      if (e.connecting) ends.push(e.connecting.then((c) => c.end()).catch(() => {}));
    }
    this.entries.clear();
    await Promise.all(ends);
  }

  private async connection(node: NodeConfig): Promise<SshConnection> {
    const entry = this.entries.get(node.name) ?? {};
    this.entries.set(node.name, entry);
    if (entry.conn?.alive) return entry.conn;
    entry.conn = undefined;
    entry.connecting ??= this.open(node).then(
      (conn) => {
        entry.connecting = undefined;
        this.counters.connects++;
        if (this.closed) {
          void conn.end();
          throw new ClusterError("INTERNAL", "ssh pool is closed");
        }
        entry.conn = conn;
        conn.onClose(() => {
          if (entry.conn === conn) entry.conn = undefined;
          clearTimeout(entry.idleTimer);
        });
        return conn;
      },
      (err: unknown) => {
        entry.connecting = undefined;
        this.counters.failedConnects++;
        throw err;
      },
    );
    return entry.connecting;
  }

  private async open(node: NodeConfig): Promise<SshConnection> {
    const address = await this.opts.resolve(node);
    try {
      return await openConnection(node, address, this.opts);
    } catch (err) {
      if (err instanceof ClusterError && err.code === "UNREACHABLE")
        this.opts.connectFailed?.(node);
      throw err;
    }
  }

  /** (Re)arms the idle timer of a node's connection once no channel is in use. */
  private touch(name: string, conn: SshConnection): void {
    const entry = this.entries.get(name);
    if (!entry || entry.conn !== conn) return;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    if (!conn.alive) return;
    const arm = (ms: number) => {
      entry.idleTimer = setTimeout(() => {
        entry.idleTimer = undefined;
        const idleFor = performance.now() - conn.lastActive;
        if (conn.busy > 0) return arm(this.opts.idleTimeoutMs);
        if (idleFor < this.opts.idleTimeoutMs) return arm(this.opts.idleTimeoutMs - idleFor);
        if (entry.conn === conn) entry.conn = undefined;
        void conn.end();
      }, ms);
      entry.idleTimer.unref?.();
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
