// The OpenSSH side of the process: per node, what `ssh -G` says (asked once), its ControlMaster
// under <state>/cm/%C, and session slots on it; sessions are `ssh` processes (Bun.spawn) that
// multiplex over the master. Retries (with backoff) only what certainly did not send a command.
import { join } from "node:path";
import { abortableSleep, abortError, raceAbort } from "../abort.ts";
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { type ChannelKind, SessionSlots } from "../remote/session-slots.ts";
import {
  configArgv,
  controlArgv,
  masterArgv,
  type SshArgvOptions,
  sessionArgv,
  subsystemArgv,
} from "./argv.ts";
import { sshAddress } from "./choose-transport.ts";
import { controlDir, ensureControlDir, MAX_SOCKET_PATH } from "./control-dir.ts";
import { ControlMaster } from "./master.ts";
import type { OpensshOptions } from "./options.ts";
import { first, readSshConfig, type SshConfigView } from "./ssh-config.ts";
import { classifySshFailure, type SshFailure, sshMessage } from "./ssh-errors.ts";

/** How many refused sessions in a row (with nothing of ours done meanwhile) fail a run. */
const REFUSALS_BEFORE_GIVING_UP = 30;

/** A session the node refused for now (MaxSessions): nothing ran, ask again shortly. */
export class SessionRefused extends Error {}

interface Link {
  view: SshConfigView;
  master: ControlMaster;
  slots: SessionSlots;
  /** "ssh n4 (10.250.1.14 via n1)", for messages. */
  where: string;
}

export interface OpensshStats {
  /** Masters this process started. */
  masters: number;
  /** ssh processes running now. */
  processes: number;
}

export class OpensshHub {
  private readonly views = new Map<string, Promise<SshConfigView>>();
  private readonly links = new Map<string, Promise<Link>>();
  private readonly procs = new Set<Bun.Subprocess>();
  private closed = false;

  /** The sockets' directory (<state_dir>/cm when the path fits a unix socket). */
  private readonly cmDir: string;

  constructor(readonly opts: OpensshOptions) {
    this.cmDir = controlDir(opts.stateDir);
  }

  /** `ssh -G` for the node, asked once per process (failures too: a broken config stays broken). */
  sshConfig(node: NodeConfig): Promise<SshConfigView> {
    let v = this.views.get(node.name);
    if (!v) {
      v = readSshConfig(configArgv(this.opts.ssh, node, this.argvOptions(node)), node.name);
      v.catch(() => {});
      this.views.set(node.name, v);
    }
    return v;
  }

  /** The options every ssh invocation for this node gets (the pinned key type read now). */
  argvOptions(node: NodeConfig): SshArgvOptions {
    return {
      sshConfig: this.opts.sshConfig,
      knownHostsPath: this.opts.knownHosts.path,
      controlPath: join(this.cmDir, "%C"),
      connectTimeoutS: this.opts.connectTimeoutS,
      keepaliveS: this.opts.keepaliveS,
      pinnedKeyType: this.opts.knownHosts.lookup(node.name)?.type,
    };
  }

  /**
   * Runs `fn` (which starts something on the node) with the node's master up, retrying failures
   * that certainly sent nothing: connect errors marked retryable (with backoff, `retries` times)
   * and refused sessions (a short wait, not counted). Others, and aborts, pass through.
   */
  async retrying<T>(
    node: NodeConfig,
    signal: AbortSignal | undefined,
    fn: (link: Link) => Promise<T>,
  ): Promise<T> {
    let last: ClusterError | undefined;
    let refusals = 0;
    for (let attempt = 0; attempt <= this.opts.retries; ) {
      if (this.closed) throw new ClusterError("INTERNAL", "openssh transport is closed");
      if (signal?.aborted) throw abortError();
      const link = await raceAbort(this.link(node), signal);
      try {
        await raceAbort(link.master.ensure(), signal);
        return await fn(link);
      } catch (err) {
        if (err instanceof SessionRefused) {
          if (++refusals > REFUSALS_BEFORE_GIVING_UP)
            throw new ClusterError(
              "UNREACHABLE",
              `node ${node.name} refuses every new session (${err.message}; is sshd's MaxSessions very low?)`,
              { node: node.name },
            );
          await abortableSleep(Math.min(25 * 2 ** refusals, 400), signal);
          continue;
        }
        if (!(err instanceof ClusterError) || !err.details.retryable) throw err;
        link.master.markDown();
        last = err;
        attempt++;
        if (attempt <= this.opts.retries)
          await abortableSleep(Math.min(this.opts.backoffMs * 2 ** (attempt - 1), 4000), signal);
      }
    }
    const tries = this.opts.retries + 1;
    throw new ClusterError(
      "UNREACHABLE",
      `${last?.message ?? `node ${node.name} unreachable`} (${tries} attempt${tries === 1 ? "" : "s"})`,
      { node: node.name },
    );
  }

  /** Takes a session slot and starts `ssh ... HOST REMOTE` over the master; the slot returns at exit. */
  spawn(
    node: NodeConfig,
    link: Link,
    remote: string,
    kind: ChannelKind,
    signal?: AbortSignal,
  ): Promise<Bun.Subprocess<"ignore", "pipe", "pipe">> {
    return this.start(node, link, remote, kind, "ignore", signal);
  }

  /** The same with stdin a pipe to the remote command (the resident agent's channel). */
  spawnPiped(
    node: NodeConfig,
    link: Link,
    remote: string,
    kind: ChannelKind,
    signal?: AbortSignal,
  ): Promise<Bun.Subprocess<"pipe", "pipe", "pipe">> {
    return this.start(node, link, remote, kind, "pipe", signal);
  }

  private async start<In extends "ignore" | "pipe">(
    node: NodeConfig,
    link: Link,
    remote: string,
    kind: ChannelKind,
    stdin: In,
    signal?: AbortSignal,
  ): Promise<Bun.Subprocess<In, "pipe", "pipe">> {
    await link.slots.acquire(kind, signal);
    let proc: Bun.Subprocess<In, "pipe", "pipe">;
    try {
      proc = Bun.spawn(
        sessionArgv(this.opts.ssh, node, this.argvOptions(node), remote, stdin === "pipe"),
        {
          stdin,
          stdout: "pipe",
          stderr: "pipe",
          detached: true, // Ctrl-C of the CLI must reach us, not the session: we stop runs ourselves
        },
      );
    } catch (err) {
      link.slots.release(kind);
      throw new ClusterError("SPAWN_FAILED", `cannot run ssh: ${(err as Error).message}`);
    }
    this.procs.add(proc);
    void proc.exited.then(() => {
      this.procs.delete(proc);
      link.slots.release(kind);
    });
    return proc;
  }

  /**
   * Takes a run slot and starts `ssh -s HOST SUBSYSTEM` over the master, stdin and stdout piped
   * (the subsystem's protocol); the slot returns at exit.
   */
  async spawnSubsystem(
    node: NodeConfig,
    link: Link,
    subsystem: string,
    signal?: AbortSignal,
  ): Promise<Bun.Subprocess<"pipe", "pipe", "pipe">> {
    await link.slots.acquire("run", signal);
    let proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
    try {
      proc = Bun.spawn(subsystemArgv(this.opts.ssh, node, this.argvOptions(node), subsystem), {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        detached: true,
      });
    } catch (err) {
      link.slots.release("run");
      throw new ClusterError("SPAWN_FAILED", `cannot run ssh: ${(err as Error).message}`);
    }
    this.procs.add(proc);
    void proc.exited.then(() => {
      this.procs.delete(proc);
      link.slots.release("run");
    });
    return proc;
  }

  /** What ssh's stderr says about a session that ended without starting its command. */
  sessionFailure(node: NodeConfig, link: Link, stderr: string): SshFailure | undefined {
    const f = classifySshFailure(stderr, this.context(node, link), "session");
    if (/Control socket connect|mux_client/.test(stderr)) link.master.markDown();
    return f;
  }

  /** A session ended in a way that suggests the master is gone: look again next time. */
  masterSuspect(node: NodeConfig): void {
    void this.links.get(node.name)?.then(
      (l) => l.master.markDown(),
      () => {},
    );
  }

  stats(): OpensshStats {
    const masters = this.masters.reduce((n, m) => n + m.starts, 0);
    return { masters, processes: this.procs.size };
  }

  /** Stops the masters this process started; kills ssh processes still running (bounded). */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.procs) p.kill("SIGKILL");
    const links = await Promise.allSettled([...this.links.values()]);
    await Promise.all(
      links.map((l) => (l.status === "fulfilled" ? l.value.master.close() : undefined)),
    );
  }

  private readonly masters: ControlMaster[] = [];

  private link(node: NodeConfig): Promise<Link> {
    let l = this.links.get(node.name);
    if (!l) {
      l = this.makeLink(node);
      l.catch(() => this.links.delete(node.name));
      this.links.set(node.name, l);
    }
    return l;
  }

  private async makeLink(node: NodeConfig): Promise<Link> {
    const view = await this.sshConfig(node);
    const socketPath = first(view, "controlpath") ?? "";
    if (socketPath.length === 0 || socketPath.length > MAX_SOCKET_PATH)
      throw new ClusterError(
        "CONFIG_INVALID",
        `node ${node.name}: the ControlMaster socket ${JSON.stringify(socketPath)} is empty or longer than ${MAX_SOCKET_PATH} bytes (unix sockets are limited); is a ControlPath set in the ssh config?`,
        { node: node.name },
      );
    ensureControlDir(this.cmDir);
    const address = sshAddress(view);
    const where = `ssh ${node.host}${address ? ` → ${address}` : ""}`;
    const hops =
      1 + (first(view, "proxyjump") ?? "none").split(",").filter((h) => h !== "none").length;
    const link: Link = {
      view,
      where,
      slots: new SessionSlots({ run: this.opts.runSessions, control: this.opts.controlSessions }),
      master: new ControlMaster({
        socketPath,
        logPath: join(this.cmDir, `${node.name}.log`),
        boundMs: hops * (this.opts.connectTimeoutS + this.opts.handshakeTimeoutS) * 1000 + 1000,
        startArgv: () =>
          masterArgv(this.opts.ssh, node, this.argvOptions(node), this.opts.persistS),
        controlArgv: (c) => controlArgv(this.opts.ssh, node, this.argvOptions(node), c),
        failure: (log) => {
          const f = classifySshFailure(log, this.context(node, link), "connect");
          if (f?.kind === "error") return f.error;
          return new ClusterError(
            "UNREACHABLE",
            `node ${node.name} (${where}) unreachable: ${sshMessage(log) || "ssh gave no reason"}`,
            { node: node.name, retryable: f?.kind === "refused" || f === undefined },
          );
        },
      }),
    };
    this.masters.push(link.master);
    return link;
  }

  private context(node: NodeConfig, link: Link) {
    return {
      node: node.name,
      where: link.where,
      pinned: this.opts.knownHosts.lookup(node.name),
      knownHostsPath: this.opts.knownHosts.path,
    };
  }
}

export type { Link, OpensshOptions };
