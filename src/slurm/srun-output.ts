// What srun adds to a run's output, taken back out: the job-id line the job prints first on stdout,
// and srun's / slurmstepd's own lines on stderr ("srun: error: n1: task 0: Exited with exit code 3",
// "*** STEP 12.0 ON n1 CANCELLED AT ... ***"), which say how the task ended. Streaming, bounded.

const MARK = new TextEncoder().encode("\x1ecluster-exec:job=");
/** A job id line is short; a longer first line is not ours and is passed through. */
const MARK_MAX = 256;
const EMPTY = new Uint8Array(0);

/** Reads the job id line off the front of stdout; everything after it is the command's output. */
export class JobMarkReader {
  private held: Uint8Array = EMPTY;
  private done = false;
  jobId: string | null = null;

  push(chunk: Uint8Array): Uint8Array {
    if (this.done) return chunk;
    const all = concat(this.held, chunk);
    const prefix = all.subarray(0, Math.min(all.length, MARK.length));
    if (!prefix.every((b, i) => b === MARK[i])) return this.giveUp(all);
    const nl = all.indexOf(10);
    if (nl < 0) {
      if (all.length > MARK_MAX) return this.giveUp(all);
      this.held = all;
      return EMPTY;
    }
    const id = new TextDecoder().decode(all.subarray(MARK.length, nl));
    this.jobId = /^\d+(?:_\d+)?$/.test(id) ? id : null;
    this.done = true;
    this.held = EMPTY;
    return all.subarray(nl + 1);
  }

  flush(): Uint8Array {
    return this.done ? EMPTY : this.giveUp(this.held);
  }

  private giveUp(all: Uint8Array): Uint8Array {
    this.done = true;
    this.held = EMPTY;
    return all;
  }
}

/** How srun said the task ended. */
export type TaskEnd = { kind: "exit"; code: number } | { kind: "signal"; text: string };

const STATUS = /^srun: error: \S+: tasks? [0-9,-]+: (.+)$/;
const CANCELLED =
  /^slurmstepd(?:-\S+)?: error: \*\*\* (?:STEP|JOB) \S+ ON \S+ CANCELLED AT \S+(.*)\*\*\*$/;
/** srun's own lines about ending a step it was told to end: noise in a command's stderr. */
const NOISE = [
  /^srun: Force Terminated (?:job|StepId=)\S*$/,
  /^srun: Job step aborted: Waiting up to \d+ seconds for job step to finish\.$/,
  /^srun: forcing job termination$/,
  /^srun: Job has been cancelled$/,
  /^srun: job \d+ (?:queued and waiting for resources|has been allocated resources)$/,
  /^srun: Cancelled pending job step with signal \d+$/,
  /^srun: error: Unable to allocate resources: Job\/step already completing or completed$/,
];
const PREFIXES = ["srun: ", "slurmstepd"].map((p) => new TextEncoder().encode(p));
/** A line that starts like srun's is held until its end; a longer one is not srun's. */
const LINE_MAX = 4096;

/** Filters srun's lines out of stderr and remembers what they said. */
export class SrunStderrFilter {
  private held: Uint8Array = EMPTY;
  /** Inside a line already known not to be srun's: pass bytes through until its newline. */
  private passing = false;
  end: TaskEnd | undefined;
  /** The job was cancelled (scancel, or its time limit). */
  cancelled = false;
  timeLimit = false;
  /** srun's own error lines that were kept (why a job could not start). */
  errors: string[] = [];

  push(chunk: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      const nl = rest.indexOf(10);
      const piece = nl < 0 ? rest : rest.subarray(0, nl + 1);
      rest = nl < 0 ? EMPTY : rest.subarray(nl + 1);
      if (this.passing) {
        out.push(piece);
        if (nl >= 0) this.passing = false;
        continue;
      }
      const line = concat(this.held, piece);
      this.held = EMPTY;
      if (nl >= 0) {
        if (!this.consume(line)) out.push(line);
      } else if (couldBeSrun(line) && line.length <= LINE_MAX) this.held = line;
      else {
        out.push(line);
        this.passing = true;
      }
    }
    return out.length === 1 ? (out[0] as Uint8Array) : concat(...out);
  }

  /** At the end: a held partial line is output after all. */
  flush(): Uint8Array {
    const held = this.held;
    this.held = EMPTY;
    if (held.length > 0 && this.consume(held)) return EMPTY;
    return held;
  }

  /** True when the line is srun's and is dropped. */
  private consume(bytes: Uint8Array): boolean {
    const line = new TextDecoder().decode(bytes).replace(/\r?\n$/, "");
    const status = STATUS.exec(line);
    if (status) {
      const what = status[1] as string;
      const exit = /^Exited with exit code (\d+)$/.exec(what);
      this.end = exit ? { kind: "exit", code: Number(exit[1]) } : { kind: "signal", text: what };
      return true;
    }
    const cancelled = CANCELLED.exec(line);
    if (cancelled) {
      this.cancelled = true;
      if ((cancelled[1] as string).includes("DUE TO TIME LIMIT")) this.timeLimit = true;
      return true;
    }
    if (NOISE.some((re) => re.test(line))) return true;
    if (line.startsWith("srun: error: ")) this.errors.push(line.slice("srun: error: ".length));
    return false;
  }
}

function couldBeSrun(line: Uint8Array): boolean {
  return PREFIXES.some((p) => {
    const n = Math.min(p.length, line.length);
    for (let i = 0; i < n; i++) if (line[i] !== p[i]) return false;
    return true;
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 0) return EMPTY;
  if (nonEmpty.length === 1) return nonEmpty[0] as Uint8Array;
  const out = new Uint8Array(nonEmpty.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of nonEmpty) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
