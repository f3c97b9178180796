// The controller side of the resident agent: one session per node over one channel. Runs are
// multiplexed by id (so sshd's MaxSessions no longer bounds the width), output is capped here and
// credited back as the caller consumes it, kills are one frame, load samples arrive unasked.
import type { RunSpec } from "../exec/executor.ts";
import { CappedOutput } from "../exec/limits.ts";
import { paceGarbage } from "../exec/memory.ts";
import { type ExecOutcome, notStartedOutcome } from "../exec/result.ts";
import type { AgentChannel } from "./channel.ts";
import {
  type ExitMessage,
  encodeCredit,
  encodeFrame,
  encodeJson,
  type Frame,
  FrameReader,
  type Hello,
  MAGIC,
  NOISE_LIMIT,
  PROTOCOL_VERSION,
  parseJson,
  type RunMessage,
  T,
  type Welcome,
} from "./protocol.ts";

export interface PushedSample {
  /** The sample as the agent's probe made it (parsed by the sampler), or why it failed. */
  value?: unknown;
  error?: string;
  /** Epoch ms it arrived. */
  at: number;
}

interface PendingRun {
  out: CappedOutput;
  err: CappedOutput;
  /** Output waiting for the caller's sink, in order. */
  queue: { stream: "stdout" | "stderr"; chunk: Uint8Array }[];
  pumping: boolean;
  exit?: ExitMessage;
  sinkError?: { error: unknown };
  spec: RunSpec;
  finish: () => void;
}

/** Why an agent could not be used: the session never started or speaks another protocol. */
export class AgentUnavailable extends Error {}

/** The session had closed before the run was sent: nothing ran, another path may take it. */
export class SessionClosed extends Error {}

export class AgentSession {
  private readonly reader = new FrameReader();
  /** Bytes before the agent's MAGIC line (rc-file noise); undefined once it was seen. */
  private noise: Uint8Array | undefined = new Uint8Array(0);
  private readonly runs = new Map<number, PendingRun>();
  private readonly sampleWaiters = new Map<number, (s: PushedSample) => void>();
  private nextId = 1;
  private welcomed: ((w: Welcome) => void) | undefined;
  private closedListeners: (() => void)[] = [];
  private lastActive = performance.now();
  alive = true;
  welcome: Welcome | undefined;
  latest: PushedSample | undefined;

  constructor(
    private readonly channel: AgentChannel,
    readonly node: string,
  ) {
    channel.onData((chunk) => this.onData(chunk));
    channel.onClose(() => this.onClosed());
  }

  /** Says hello and waits for the agent's answer; AgentUnavailable when it is not one we can use. */
  async start(probeIntervalMs: number, timeoutMs: number): Promise<Welcome> {
    const answered = new Promise<Welcome | "closed">((resolve) => {
      this.welcomed = resolve;
      this.onClose(() => resolve("closed"));
    });
    const hello: Hello = { protocol: PROTOCOL_VERSION, probe_interval_ms: probeIntervalMs };
    this.channel.write(encodeJson(T.hello, 0, hello));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), timeoutMs)));
    const w = await Promise.race([answered, late]).finally(() => clearTimeout(timer));
    if (w === "late") {
      this.close();
      throw new AgentUnavailable(`no answer from the agent within ${timeoutMs / 1000}s`);
    }
    if (w === "closed") {
      const said = this.channel.stderr().trim().split("\n").slice(-2).join("; ");
      throw new AgentUnavailable(said ? `it did not start: ${said}` : "it did not start");
    }
    if (w.protocol !== PROTOCOL_VERSION) {
      this.close();
      throw new AgentUnavailable(
        `its agent (cluster-exec ${w.version}) speaks protocol ${w.protocol}, this program ${PROTOCOL_VERSION}`,
      );
    }
    this.welcome = w;
    return w;
  }

  /** Runs in flight. */
  get busy(): number {
    return this.runs.size;
  }

  /** Milliseconds since the last run ended or sample was asked for (for idle closing). */
  idleFor(now = performance.now()): number {
    return this.runs.size > 0 ? 0 : now - this.lastActive;
  }

  onClose(listener: () => void): void {
    if (this.alive) this.closedListeners.push(listener);
    else listener();
  }

  /** Runs one command through the agent, with the executors' contract; never throws for a run that failed. */
  async run(spec: RunSpec, signal?: AbortSignal): Promise<ExecOutcome> {
    const started = performance.now();
    if (!this.alive) throw new SessionClosed(`agent session to ${this.node} is closed`);
    if (signal?.aborted) return { ...notStartedOutcome(0), canceled: true };
    const id = this.takeId();
    const {
      command,
      cwd,
      env,
      timeoutMs,
      killGraceMs,
      outputLimit: _o,
      onOutput: _f,
      // This side's: the caller's own directory and environment (a front of the background
      // process) never travel to the node, nor do callbacks and batch options.
      local: _l,
      onGroup: _g,
      batch: _b,
      ...extra
    } = spec;
    const msg: RunMessage = {
      ...extra,
      command,
      cwd,
      env,
      timeout_ms: timeoutMs,
      kill_grace_ms: killGraceMs,
    };
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => (finish = r));
    const run: PendingRun = {
      out: new CappedOutput(spec.outputLimit),
      err: new CappedOutput(spec.outputLimit),
      queue: [],
      pumping: false,
      spec,
      finish,
    };
    this.runs.set(id, run);
    const kill = () => {
      if (this.alive && this.runs.has(id)) this.channel.write(encodeFrame(T.kill, id));
    };
    signal?.addEventListener("abort", kill, { once: true });
    this.channel.write(encodeJson(T.run, id, msg));
    try {
      await finished;
    } finally {
      signal?.removeEventListener("abort", kill);
      this.runs.delete(id);
      this.lastActive = performance.now();
    }
    if (run.sinkError) throw run.sinkError.error;
    const base = {
      stdout: run.out.text(),
      stderr: run.err.text(),
      truncated: run.out.truncated || run.err.truncated,
      duration_ms: Math.round(performance.now() - started),
    };
    const exit = run.exit;
    if (!exit)
      return {
        ...base,
        exit_code: null,
        signal: null,
        timed_out: false,
        canceled: false,
        error: {
          code: "CONNECTION_LOST",
          message: `connection to ${this.node} lost while the command was running; its outcome is unknown (the node's agent kills the process groups it started when its channel closes)`,
        },
      };
    const error = exit.error && {
      code: exit.error.code as NonNullable<ExecOutcome["error"]>["code"],
      message:
        exit.error.code === "SPAWN_FAILED" && cwd !== undefined && exit.error.message.includes(cwd)
          ? `cwd ${JSON.stringify(cwd)}: no such directory on ${this.node}`
          : `${exit.error.message} (on ${this.node})`,
    };
    return {
      ...base,
      exit_code: exit.exit_code,
      signal: exit.signal,
      timed_out: exit.timed_out,
      canceled: exit.canceled,
      ...(error ? { error } : {}),
    };
  }

  /** A fresh sample: asks the agent now (the pushed ones are in `latest`). */
  requestSample(timeoutMs: number): Promise<PushedSample> {
    this.lastActive = performance.now();
    if (!this.alive) return Promise.resolve({ error: "agent session closed", at: Date.now() });
    const id = this.takeId();
    return new Promise<PushedSample>((resolve) => {
      const timer = setTimeout(() => {
        this.sampleWaiters.delete(id);
        resolve({ error: `agent gave no sample within ${timeoutMs / 1000}s`, at: Date.now() });
      }, timeoutMs);
      this.sampleWaiters.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.channel.write(encodeFrame(T.probe, id));
    });
  }

  /** Marks the session as read (the sampler took the pushed sample): it is not idle. */
  touch(): void {
    this.lastActive = performance.now();
  }

  close(): void {
    this.channel.close();
    this.onClosed();
  }

  private takeId(): number {
    let id = this.nextId;
    while (id === 0 || this.runs.has(id) || this.sampleWaiters.has(id)) id = (id + 1) >>> 0;
    this.nextId = (id + 1) >>> 0;
    return id;
  }

  private onData(chunk: Uint8Array): void {
    if (this.noise) {
      const all = concat(this.noise, chunk);
      const at = indexOf(all, MAGIC);
      if (at < 0) {
        this.noise = all.length > NOISE_LIMIT ? all.subarray(all.length - MAGIC.length) : all;
        if (all.length > NOISE_LIMIT) this.close(); // not an agent talking
        return;
      }
      this.noise = undefined;
      chunk = all.subarray(at + MAGIC.length);
    }
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      this.close(); // a broken stream cannot be trusted: the agent kills what it runs
      return;
    }
    for (const f of frames) this.handle(f);
  }

  private handle(f: Frame): void {
    switch (f.type) {
      case T.welcome:
        this.welcomed?.(parseJson<Welcome>(f.payload));
        this.welcomed = undefined;
        return;
      case T.stdout:
      case T.stderr: {
        const run = this.runs.get(f.id);
        if (!run) return;
        const stream = f.type === T.stdout ? "stdout" : "stderr";
        paceGarbage(f.payload.length);
        (stream === "stdout" ? run.out : run.err).push(f.payload);
        run.queue.push({ stream, chunk: f.payload });
        this.pump(f.id, run);
        return;
      }
      case T.started: {
        // The run's process group on the node: recorded like a per-command run's.
        const run = this.runs.get(f.id);
        const { pgid } = parseJson<{ pgid?: number }>(f.payload);
        if (run && typeof pgid === "number") run.spec.onGroup?.({ pgid, local: false });
        return;
      }
      case T.exit: {
        const run = this.runs.get(f.id);
        if (!run) return;
        run.exit = parseJson<ExitMessage>(f.payload);
        if (!run.pumping) run.finish();
        return;
      }
      case T.sample: {
        const body = parseJson<{ sample?: unknown; error?: string }>(f.payload);
        const s: PushedSample = { value: body.sample, error: body.error, at: Date.now() };
        if (f.id === 0) this.latest = s;
        else {
          const w = this.sampleWaiters.get(f.id);
          this.sampleWaiters.delete(f.id);
          if (!s.error) this.latest = s;
          w?.(s);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Hands a run's output to its sink in order, crediting each chunk back once it is taken. */
  private pump(id: number, run: PendingRun): void {
    if (run.pumping) return;
    run.pumping = true;
    void (async () => {
      while (run.queue.length > 0) {
        const { stream, chunk } = run.queue.shift() as PendingRun["queue"][number];
        try {
          await run.spec.onOutput?.(stream, chunk);
        } catch (error) {
          run.sinkError ??= { error };
        }
        if (this.alive) this.channel.write(encodeCredit(id, chunk.length));
      }
      run.pumping = false;
      if (run.exit || !this.alive) run.finish();
    })();
  }

  private onClosed(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const run of this.runs.values()) if (!run.pumping) run.finish();
    for (const w of this.sampleWaiters.values())
      w({ error: "agent session closed", at: Date.now() });
    this.sampleWaiters.clear();
    this.welcomed = undefined;
    for (const l of this.closedListeners.splice(0)) l();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
