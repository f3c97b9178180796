// Local executor: Bun.spawn of `bash -c CMD` in its own process group, capped and killable; inside
// the OS sandbox (src/sandbox) when the spec asks for one.
import { existsSync, realpathSync, statSync } from "node:fs";
import type { ErrorCode } from "../errors.ts";
import { detectSandboxTool } from "../sandbox/detect.ts";
import { sandboxCheckLines, sandboxExecLines } from "../sandbox/launch.ts";
import type { SandboxSpec } from "../sandbox/levels.ts";
import { REFUSAL, refusalMessage, workspaceRefusal } from "../sandbox/paths.ts";
import type { Executor, OutputStream, RunSpec } from "./executor.ts";
import { terminateGroup } from "./kill.ts";
import { CappedOutput } from "./limits.ts";
import { paceGarbage } from "./memory.ts";
import { type ExecOutcome, endedOutcome, notStartedOutcome } from "./result.ts";
import { fromWrappedStatus, signalName } from "./signals.ts";
import { stopTrigger } from "./stop-trigger.ts";

let shellPath: string | undefined;
function shell(): string {
  shellPath ??=
    ["/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"].find((p) => existsSync(p)) ?? "/bin/sh";
  return shellPath;
}

export function createLocalExecutor(): Executor {
  return { run: runLocal, close: async () => {} };
}

export async function runLocal(spec: RunSpec, signal?: AbortSignal): Promise<ExecOutcome> {
  const started = performance.now();
  const cwd = spec.cwd ?? spec.local?.cwd;
  const cwdProblem = cwd ? checkCwd(cwd) : undefined;
  if (cwdProblem) return notStarted(cwdProblem, started);
  const boxProblem = spec.sandbox ? checkSandbox(spec.sandbox, cwd) : undefined;
  if (boxProblem) return notStarted(boxProblem, started, "SANDBOX_UNAVAILABLE");
  // bubblewrap reports a command killed by signal N as exit code 128 + N.
  const wrapped = spec.sandbox !== undefined && detectSandboxTool() === "bwrap";
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(argvFor(spec), {
      cwd,
      env: { ...(spec.local?.env ?? process.env), ...spec.env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true, // setsid(): the shell leads its own process group, so the group can be killed
    });
  } catch (err) {
    return notStarted(`could not start ${shell()}: ${(err as Error).message}`, started);
  }

  const pgid = proc.pid;
  spec.onGroup?.({ pgid, local: true });
  let exited = false;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= terminateGroup(pgid, spec.killGraceMs);
  };
  const trigger = stopTrigger(spec.timeoutMs, signal, () => !exited, stop);

  const out = new CappedOutput(spec.outputLimit);
  const err = new CappedOutput(spec.outputLimit);
  // A failing sink must not stop the reading (the command would block on a full pipe): the
  // streams are drained and the first failure is thrown once the run has ended, as over ssh.
  let sinkError: { error: unknown } | undefined;
  const deliver = async (name: OutputStream, chunk: Uint8Array) => {
    try {
      await spec.onOutput?.(name, chunk);
    } catch (error) {
      sinkError ??= { error };
    }
  };
  const pumps = Promise.all([
    pump(proc.stdout, out, "stdout", deliver),
    pump(proc.stderr, err, "stderr", deliver),
  ]);
  try {
    await proc.exited;
    exited = true;
    // The shell is gone; whatever it left running in its group would hold the pipes open and
    // outlive the run, so it is terminated too. Inside bubblewrap it is already being killed: the
    // PID namespace dies with bwrap (--die-with-parent), and only a dying init would be found.
    if (!wrapped) stop();
    await Promise.all([pumps, stopping]);
  } finally {
    trigger.dispose();
  }
  if (sinkError) throw sinkError.error;
  const raw = {
    code: proc.signalCode ? null : proc.exitCode,
    signal: proc.signalCode ? signalName(proc.signalCode) : null,
  };
  const status = wrapped ? fromWrappedStatus(raw.code, raw.signal) : raw;
  return {
    exit_code: status.code,
    signal: status.signal,
    ...endedOutcome(out, err, started, trigger),
  };
}

/** The plain shell, or /bin/sh running the sandbox's launch lines (which exec the sandbox). */
function argvFor(spec: RunSpec): string[] {
  if (!spec.sandbox) return [shell(), "-c", spec.command];
  const refuse = () => "echo 'cluster-exec: the sandbox could not be set up' >&2; exit 126";
  const script = [
    ...sandboxCheckLines(spec.sandbox, refuse),
    ...sandboxExecLines(spec.sandbox, spec.command),
  ];
  return ["/bin/sh", "-c", script.join("\n")];
}

/** Why this machine cannot run the spec's sandbox, or undefined. */
function checkSandbox(box: SandboxSpec, cwd: string | undefined): string | undefined {
  if (detectSandboxTool() === "none") return refusalMessage(REFUSAL.noTool, "this machine");
  if (box.level !== "workspace") return undefined;
  let dir: string;
  try {
    dir = realpathSync(cwd ?? process.cwd());
  } catch {
    return undefined; // checkCwd already said what is wrong with it
  }
  const why = workspaceRefusal(dir);
  return why
    ? `sandbox workspace refused on this machine: ${why}; give a project directory as cwd`
    : undefined;
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  cap: CappedOutput,
  name: OutputStream,
  deliver: (name: OutputStream, chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  for await (const chunk of stream) {
    cap.push(chunk);
    paceGarbage(chunk.length);
    await deliver(name, chunk);
  }
}

function checkCwd(cwd: string): string | undefined {
  try {
    if (!statSync(cwd).isDirectory()) return `cwd ${JSON.stringify(cwd)}: not a directory`;
  } catch {
    return `cwd ${JSON.stringify(cwd)}: no such directory`;
  }
  return undefined;
}

function notStarted(
  message: string,
  started: number,
  code: ErrorCode = "SPAWN_FAILED",
): ExecOutcome {
  return notStartedOutcome(Math.round(performance.now() - started), { code, message });
}
