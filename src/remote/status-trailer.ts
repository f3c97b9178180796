// Reading the reporting wrapper's status line out of a run's stderr: found across chunk borders,
// cut out of the output, parsed into how the command ended.

export type TrailerStatus =
  /** The waiter saw the command exit with this code. */
  | { kind: "exit"; code: number; empty: boolean }
  /** The waiter saw it killed by this signal (node's name, without SIG). */
  | { kind: "signal"; signal: string; empty: boolean }
  /** A shell waiter's `$?`: 128+N may be an exit code or signal N. */
  | { kind: "approx"; code: number; empty: boolean }
  /**
   * The bash waiter's `$?` (with `kill -l`'s name for it over 128) and the exit code the command's
   * shell recorded on a normal end, if it did: equal means an exit, else over 128 a signal.
   */
  | { kind: "wait"; code: number; signal?: string; rec?: number; empty: boolean }
  /** No waiter on the node: the command was exec'd; the transport's exit code is the status. */
  | { kind: "exec" };

/** Longest status text after the prefix ("sig=RTMIN+15,empty"): past it, it was not a status line. */
const MAX_STATUS = 64;

/** Signals with the same number on Linux and macOS, for reading a shell's 128+N. */
const PORTABLE_SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  6: "SIGABRT",
  9: "SIGKILL",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
};

/** One status line's text; `rec=N` is the command shell's own record, not yet the end. */
export function parseStatus(
  text: string,
): TrailerStatus | { kind: "rec"; code: number } | undefined {
  if (text === "exec") return { kind: "exec" };
  const rec = /^rec=(\d{1,3})$/.exec(text);
  if (rec) return { kind: "rec", code: Number(rec[1]) };
  const wait = /^wait=(\d{1,3})(?:,sig=([A-Za-z0-9+-]{1,16}))?(,empty)?$/.exec(text);
  if (wait)
    return {
      kind: "wait",
      code: Number(wait[1]),
      ...(wait[2] ? { signal: wait[2] } : {}),
      empty: wait[3] !== undefined,
    };
  const m = /^(exit|sig|approx)=([A-Za-z0-9+-]{1,16})(,empty)?$/.exec(text);
  if (!m) return undefined;
  const empty = m[3] !== undefined;
  const value = m[2] as string;
  if (m[1] === "sig") return { kind: "signal", signal: value, empty };
  const code = Number(value);
  if (!Number.isInteger(code) || code < 0 || code > 255) return undefined;
  return { kind: m[1] as "exit" | "approx", code, empty };
}

/**
 * The run's ending as results report it. `transportCode` is used only when the wrapper exec'd the
 * command (no waiter): then 255 is what the transport gives for a signal too, and is kept as is.
 */
export function exitOf(
  status: TrailerStatus,
  transportCode: number | null,
): { code: number | null; signal: string | null } {
  switch (status.kind) {
    case "exit":
      return { code: status.code, signal: null };
    case "signal":
      return { code: null, signal: `SIG${status.signal}` };
    case "approx": {
      const sig = status.code > 128 ? PORTABLE_SIGNALS[status.code - 128] : undefined;
      return sig ? { code: null, signal: sig } : { code: status.code, signal: null };
    }
    case "wait":
      if (status.code <= 128 || status.rec === status.code || !status.signal)
        return { code: status.code, signal: null };
      return { code: null, signal: `SIG${status.signal}` };
    case "exec":
      return { code: transportCode, signal: null };
  }
}

/** Scans stderr for `\x1ecluster-exec:NONCE:STATUS\n`; everything else passes through unchanged. */
export class TrailerReader {
  private readonly prefix: Buffer;
  private held: Buffer = Buffer.alloc(0);
  status: TrailerStatus | undefined;
  /** The command shell's recorded exit code, until the waiter's line comes. */
  private rec: number | undefined;

  constructor(nonce: string) {
    this.prefix = Buffer.from(`\x1ecluster-exec:${nonce}:`);
  }

  /** Feeds stderr; returns the command's own stderr in this chunk (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.status && this.held.length === 0) return chunk;
    let all = this.held.length ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    while (!this.status) {
      const at = all.indexOf(this.prefix);
      if (at < 0) {
        // Keep back a tail that could be the start of the prefix.
        const keep = partialPrefixAt(all, this.prefix);
        out.push(all.subarray(0, keep));
        this.held = all.subarray(keep);
        return Buffer.concat(out);
      }
      const start = at + this.prefix.length;
      const nl = all.indexOf(10, start);
      if (nl < 0 && all.length - start <= MAX_STATUS) {
        out.push(all.subarray(0, at));
        this.held = all.subarray(at);
        return Buffer.concat(out);
      }
      const status = nl >= 0 ? parseStatus(all.toString("latin1", start, nl)) : undefined;
      if (!status) {
        out.push(all.subarray(0, start)); // not ours after all: output, and look further on
        all = all.subarray(start);
        continue;
      }
      out.push(all.subarray(0, at));
      all = all.subarray(nl + 1);
      if (status.kind === "rec") this.rec = status.code;
      else this.status = status.kind === "wait" ? { ...status, rec: this.rec } : status;
    }
    out.push(all);
    return Buffer.concat(out);
  }

  /** At end of stream: whatever was held back. */
  flush(): Uint8Array {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }
}

/** Where a suffix of `buf` that is a proper prefix of `prefix` starts (buf.length when none). */
function partialPrefixAt(buf: Buffer, prefix: Buffer): number {
  const from = Math.max(0, buf.length - prefix.length + 1);
  for (let i = from; i < buf.length; i++) {
    if (buf[i] !== prefix[0]) continue;
    if (buf.subarray(i).equals(prefix.subarray(0, buf.length - i))) return i;
  }
  return buf.length;
}
