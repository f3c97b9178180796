// One node's OpenSSH ControlMaster: found (`ssh -O check`: another cluster-exec process sharing
// the state directory may have started it) or started (`ssh -M -N`, which connects, authenticates
// and then puts itself in the background under ControlPersist), and stopped at the end by the
// process that started it. Connection failures are read from the master's log, nothing is sent.
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { withTimeout } from "../abort.ts";
import { ClusterError } from "../errors.ts";

export interface MasterSpec {
  /** Argument vectors for this node, built fresh each time (the pinned key type may change). */
  startArgv(): string[];
  controlArgv(command: "check" | "stop"): string[];
  /** The ControlPath as ssh expands it (from `ssh -G`). */
  socketPath: string;
  /** The master's stderr (ssh's messages while connecting), truncated at each start. */
  logPath: string;
  /** Longest a start may take: connect + handshake (per hop) + a margin. */
  boundMs: number;
  /** Reads ssh's messages after a failed start; the error to throw. */
  failure(log: string): ClusterError;
}

export class ControlMaster {
  private up = false;
  private starting: Promise<void> | undefined;
  /** The `ssh -M` still connecting: close() stops it rather than wait out its connect timeout. */
  private connecting: Bun.Subprocess | undefined;
  /** The pid of a master this process started (it is the one to stop it). */
  private startedPid: number | undefined;
  /** Masters this object started (for stats and tests). */
  starts = 0;

  constructor(private readonly spec: MasterSpec) {}

  /** Resolves once a master answers on the socket; throws a ClusterError when none can be had. */
  ensure(): Promise<void> {
    if (this.up && existsSync(this.spec.socketPath)) return Promise.resolve();
    this.up = false;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** A session found the master gone (or broken): the next ensure() looks again. */
  markDown(): void {
    this.up = false;
  }

  /** Stops the master if this process started it and it is still that one; sessions of others finish first. */
  async close(): Promise<void> {
    this.connecting?.kill("SIGKILL");
    await this.starting?.catch(() => {});
    const ours = this.startedPid;
    this.startedPid = undefined;
    this.up = false;
    if (ours === undefined || (await this.check()) !== ours) return;
    await run(this.spec.controlArgv("stop"), 2000);
  }

  private async start(): Promise<void> {
    if (existsSync(this.spec.socketPath)) {
      if ((await this.check()) !== undefined) {
        this.up = true;
        return;
      }
      rmSync(this.spec.socketPath, { force: true }); // stale: nothing answers on it
    }
    const fd = openSync(this.spec.logPath, "w", 0o600);
    let proc: Bun.Subprocess;
    try {
      proc = Bun.spawn(this.spec.startArgv(), {
        stdin: "ignore",
        stdout: "ignore",
        stderr: fd,
        detached: true, // no controlling terminal: nothing on the way (a jump host) can prompt
      });
    } finally {
      closeSync(fd);
    }
    this.connecting = proc;
    const code = await withTimeout(proc.exited, this.spec.boundMs).finally(() => {
      this.connecting = undefined;
    });
    if (code === undefined) {
      proc.kill("SIGKILL");
      await proc.exited;
      // Another process may have won the race for the socket (ours then stays a plain connection).
      if ((await this.check()) !== undefined) {
        this.up = true;
        return;
      }
      const log = readLog(this.spec.logPath);
      throw new ClusterError(
        "UNREACHABLE",
        `connecting took longer than ${this.spec.boundMs} ms${log ? ` (${log})` : ""}`,
        { retryable: true },
      );
    }
    if (code === 0 && existsSync(this.spec.socketPath)) {
      this.starts++;
      this.startedPid = await this.check();
      this.up = true;
      return;
    }
    throw this.spec.failure(readLog(this.spec.logPath));
  }

  /** The master's pid when one answers on the socket. */
  private async check(): Promise<number | undefined> {
    const r = await run(this.spec.controlArgv("check"), 5000);
    if (r.code !== 0) return undefined;
    const m = /pid=(\d+)/.exec(r.stderr);
    return m ? Number(m[1]) : -1;
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

/** Runs a short ssh control command, bounded; never throws. */
async function run(
  argv: string[],
  boundMs: number,
): Promise<{ code: number | null; stderr: string }> {
  let proc: Bun.Subprocess<"ignore", "ignore", "pipe">;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", detached: true });
  } catch (err) {
    return { code: null, stderr: (err as Error).message };
  }
  const stderr = new Response(proc.stderr).text();
  const code = await withTimeout(proc.exited, boundMs);
  if (code === undefined) proc.kill("SIGKILL");
  return { code: code ?? null, stderr: await stderr };
}
