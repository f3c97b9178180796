// The node side of the resident agent: reads frames from its one channel (stdin), runs each command
// with the local executor (own process group, stdin closed, timeout, group kill), streams output back
// within each run's credit window, pushes load samples, and — when the channel closes for any reason
// — kills every group it started before it exits. It listens on nothing: the channel is its only door.
import type { RunSpec } from "../exec/executor.ts";
import type { ExecOutcome } from "../exec/result.ts";
import { shellQuote } from "../shell/quote.ts";
import {
  type ExitMessage,
  encodeJson,
  type Frame,
  FrameReader,
  frameHeader,
  type Hello,
  MAGIC,
  MAX_CHUNK,
  PROTOCOL_VERSION,
  parseJson,
  RUN_WINDOW,
  type RunMessage,
  readCredit,
  T,
  type Welcome,
} from "./protocol.ts";

export interface AgentServerDeps {
  /** The channel's incoming bytes (stdin); its end is the channel's end. */
  input: AsyncIterable<Uint8Array>;
  /**
   * Writes bytes to the channel (stdout), the parts of one frame back to back; the promise is
   * backpressure. Throws once the channel is gone.
   */
  write(bytes: Uint8Array | Uint8Array[]): void | Promise<void>;
  /** Runs one command on this machine: the local executor. */
  run(spec: RunSpec, signal: AbortSignal): Promise<ExecOutcome>;
  /** This machine's load sample (what `probe --json` prints). */
  probe(): Promise<unknown>;
  version: string;
  /** Ends the session as a closed channel would (SIGTERM, SIGHUP to the agent). */
  signal?: AbortSignal;
  /** Diagnostics (stderr of the channel). */
  log?: (message: string) => void;
}

interface Run {
  abort: AbortController;
  /** Output bytes sent and not yet credited back. */
  inFlight: number;
  wake?: () => void;
}

/** Serves the channel until it closes; resolves once every run it started has ended. */
export async function serveAgent(deps: AgentServerDeps): Promise<void> {
  const runs = new Map<number, Run>();
  const ended: Promise<void>[] = [];
  let open = true;
  let probeTimer: ReturnType<typeof setInterval> | undefined;
  let probing = false;

  const send = async (bytes: Uint8Array | Uint8Array[]) => {
    if (!open) return;
    try {
      await deps.write(bytes);
    } catch {
      shutDown(); // the channel is gone: nobody can see these runs any more
    }
  };
  const shutDown = () => {
    if (!open) return;
    open = false;
    clearInterval(probeTimer);
    for (const r of runs.values()) {
      r.abort.abort();
      r.wake?.();
    }
  };

  const pushSample = async (id: number) => {
    try {
      await send(encodeJson(T.sample, id, { sample: await deps.probe() }));
    } catch (err) {
      await send(encodeJson(T.sample, id, { error: (err as Error).message }));
    }
  };

  const startRun = (id: number, msg: RunMessage) => {
    if (runs.has(id) || id === 0) {
      deps.log?.(`run id ${id} is in use: ignored`);
      return;
    }
    const run: Run = { abort: new AbortController(), inFlight: 0 };
    runs.set(id, run);
    const onOutput = async (stream: "stdout" | "stderr", chunk: Uint8Array) => {
      const type = stream === "stdout" ? T.stdout : T.stderr;
      for (let at = 0; at < chunk.length && open; at += MAX_CHUNK) {
        const part = chunk.subarray(at, at + MAX_CHUNK);
        // Past the window the command waits (its pipe fills): the controller is not reading.
        while (run.inFlight >= RUN_WINDOW && open) await new Promise<void>((r) => (run.wake = r));
        run.inFlight += part.length;
        await send([frameHeader(type, id, part.length), part]);
      }
    };
    const { command, argv, cwd, env, timeout_ms, kill_grace_ms, ...extra } = msg;
    const spec: RunSpec = {
      ...extra,
      command: command ?? (argv ?? []).map(shellQuote).join(" "),
      cwd,
      env,
      timeoutMs: timeout_ms,
      killGraceMs: kill_grace_ms,
      outputLimit: 0, // the controller keeps the output; here it only passes through
      onOutput,
      // Before any output: the controller records where the run's group is.
      onGroup: (g) => void send(encodeJson(T.started, id, { pgid: g.pgid })),
    };
    const done = deps
      .run(spec, run.abort.signal)
      .then(
        (o): ExitMessage => ({
          exit_code: o.exit_code,
          signal: o.signal,
          timed_out: o.timed_out,
          canceled: o.canceled,
          duration_ms: o.duration_ms,
          ...(o.error ? { error: { code: o.error.code, message: o.error.message } } : {}),
        }),
        (err: unknown): ExitMessage => ({
          exit_code: null,
          signal: null,
          timed_out: false,
          canceled: false,
          duration_ms: 0,
          error: { code: "INTERNAL", message: `agent: ${(err as Error).message}` },
        }),
      )
      .then(async (exit) => {
        runs.delete(id);
        await send(encodeJson(T.exit, id, exit));
      });
    ended.push(done);
    void done.finally(() => ended.splice(ended.indexOf(done), 1));
  };

  const handle = async (f: Frame) => {
    switch (f.type) {
      case T.hello: {
        const hello = parseJson<Hello>(f.payload);
        const welcome: Welcome = {
          protocol: PROTOCOL_VERSION,
          version: deps.version,
          pid: process.pid,
        };
        await send(encodeJson(T.welcome, 0, welcome));
        if (hello.protocol === PROTOCOL_VERSION && hello.probe_interval_ms > 0 && !probeTimer) {
          probeTimer = setInterval(() => {
            if (probing) return;
            probing = true;
            void pushSample(0).finally(() => (probing = false));
          }, hello.probe_interval_ms);
          void pushSample(0);
        }
        return;
      }
      case T.run:
        return startRun(f.id, parseJson<RunMessage>(f.payload));
      case T.kill:
        runs.get(f.id)?.abort.abort();
        return;
      case T.credit: {
        const r = runs.get(f.id);
        if (!r) return;
        r.inFlight = Math.max(0, r.inFlight - readCredit(f.payload));
        const wake = r.wake;
        r.wake = undefined;
        wake?.();
        return;
      }
      case T.probe:
        await pushSample(f.id);
        return;
      default:
        return; // a later version's frame: not ours to understand
    }
  };

  await send(MAGIC);
  const reader = new FrameReader();
  const iterator = deps.input[Symbol.asyncIterator]();
  const stopped = new Promise<"stop">((resolve) => {
    if (deps.signal?.aborted) resolve("stop");
    deps.signal?.addEventListener("abort", () => resolve("stop"), { once: true });
  });
  try {
    while (open) {
      const next = await Promise.race([iterator.next(), stopped]);
      if (next === "stop" || next.done) break;
      for (const f of reader.push(next.value)) void handle(f).catch((e) => deps.log?.(String(e)));
    }
  } catch (err) {
    deps.log?.(`channel: ${(err as Error).message}`);
  }
  // Closed by the controller, or lost with the connection: nobody can stop these runs but us.
  shutDown();
  while (ended.length > 0) await Promise.allSettled([...ended]);
}
