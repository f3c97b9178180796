// Local executor: Bun.spawn of `bash -c CMD` in its own process group, capped and killable.
import { existsSync, statSync } from "node:fs";
import type { Executor, OutputStream, RunSpec } from "./executor.ts";
import { terminateGroup } from "./kill.ts";
import { CappedOutput } from "./limits.ts";
import { paceGarbage } from "./memory.ts";
import { type ExecOutcome, endedOutcome, notStartedOutcome } from "./result.ts";
import { signalName } from "./signals.ts";
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
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn([shell(), "-c", spec.command], {
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
    // outlive the run, so it is terminated too.
    stop();
    await Promise.all([pumps, stopping]);
  } finally {
    trigger.dispose();
  }
  if (sinkError) throw sinkError.error;
  return {
    exit_code: proc.signalCode ? null : proc.exitCode,
    signal: proc.signalCode ? signalName(proc.signalCode) : null,
    ...endedOutcome(out, err, started, trigger),
  };
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

function notStarted(message: string, started: number): ExecOutcome {
  return notStartedOutcome(Math.round(performance.now() - started), {
    code: "SPAWN_FAILED",
    message,
  });
}
