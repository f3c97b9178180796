// Reading the reporting wrapper's status line out of a run's stderr: found across chunk borders,
// cut out of the output, parsed into how the command ended.

export type TrailerStatus =
  /** The waiter saw the command exit with this code. */
  | { kind: "exit"; code: number; empty: boolean }
  /** The waiter saw it killed by this signal (node's name, without SIG). */
  | { kind: "signal"; signal: string; empty: boolean }
  /** A shell waiter's `$?`: 128+N may be an exit code or signal N. */
  | { kind: "approx"; code: number; empty: boolean }
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

export function parseStatus(text: string): TrailerStatus | undefined {
  if (text === "exec") return { kind: "exec" };
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
    case "exec":
      return { code: transportCode, signal: null };
  }
}

/** Scans stderr for `\x1ecluster-exec:NONCE:STATUS\n`; everything else passes through unchanged. */
export class TrailerReader {
  private readonly prefix: Buffer;
  private held: Buffer = Buffer.alloc(0);
  status: TrailerStatus | undefined;

  constructor(nonce: string) {
    this.prefix = Buffer.from(`\x1ecluster-exec:${nonce}:`);
  }

  /** Feeds stderr; returns the command's own stderr in this chunk (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.status && this.held.length === 0) return chunk;
    const all = this.held.length ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
    this.held = Buffer.alloc(0);
    if (this.status) return all;
    const at = all.indexOf(this.prefix);
    if (at >= 0) {
      const start = at + this.prefix.length;
      const nl = all.indexOf(10, start);
      if (nl < 0 && all.length - start <= MAX_STATUS) {
        this.held = all.subarray(at);
        return all.subarray(0, at);
      }
      const status = nl >= 0 ? parseStatus(all.toString("latin1", start, nl)) : undefined;
      if (!status) return all; // not ours after all: output
      this.status = status;
      return Buffer.concat([all.subarray(0, at), all.subarray(nl + 1)]);
    }
    // Keep back a tail that could be the start of the prefix.
    const keep = partialPrefixAt(all, this.prefix);
    this.held = all.subarray(keep);
    return all.subarray(0, keep);
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
