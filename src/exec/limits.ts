// Output cap: keeps the first and last bytes of a stream with a marker between, in bounded memory.

export interface OutputCap {
  /** Total bytes kept (head + tail); more arriving is counted but dropped from the middle. */
  limit: number;
}

export class CappedOutput {
  private readonly head: Uint8Array;
  private headLen = 0;
  private readonly tail: Uint8Array; // ring buffer
  private tailStart = 0;
  private tailLen = 0;
  total = 0;

  constructor(limit: number) {
    const headSize = Math.floor(limit / 2);
    this.head = new Uint8Array(headSize);
    this.tail = new Uint8Array(limit - headSize);
  }

  get truncated(): boolean {
    return this.total > this.head.length + this.tail.length;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.head.length) {
      const n = Math.min(rest.length, this.head.length - this.headLen);
      this.head.set(rest.subarray(0, n), this.headLen);
      this.headLen += n;
      rest = rest.subarray(n);
    }
    if (rest.length === 0 || this.tail.length === 0) return;
    if (rest.length >= this.tail.length) {
      this.tail.set(rest.subarray(rest.length - this.tail.length));
      this.tailStart = 0;
      this.tailLen = this.tail.length;
      return;
    }
    // Append to the ring in at most two block copies, overwriting the oldest bytes.
    const size = this.tail.length;
    const end = (this.tailStart + this.tailLen) % size;
    const first = Math.min(rest.length, size - end);
    this.tail.set(rest.subarray(0, first), end);
    this.tail.set(rest.subarray(first), 0);
    const overflow = this.tailLen + rest.length - size;
    if (overflow > 0) {
      this.tailStart = (this.tailStart + overflow) % size;
      this.tailLen = size;
    } else {
      this.tailLen += rest.length;
    }
  }

  /** Text of what was kept, decoded as UTF-8 (invalid bytes become U+FFFD). */
  text(): string {
    const dropped = this.total - this.headLen - this.tailLen;
    if (dropped === 0) return decode(concat(this.head.subarray(0, this.headLen), this.tailBytes()));
    const marker = `\n[... ${dropped} bytes truncated by cluster-exec ...]\n`;
    return decodeHead(this.head) + marker + decodeTail(this.tailBytes());
  }

  private tailBytes(): Uint8Array {
    const out = new Uint8Array(this.tailLen);
    const first = Math.min(this.tailLen, this.tail.length - this.tailStart);
    out.set(this.tail.subarray(this.tailStart, this.tailStart + first));
    out.set(this.tail.subarray(0, this.tailLen - first), first);
    return out;
  }
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Decodes the head before a cut: an incomplete trailing UTF-8 sequence is held back, not mangled. */
function decodeHead(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes, { stream: true });
}

/** Decodes the tail after a cut: leading continuation bytes of a split character are dropped. */
function decodeTail(bytes: Uint8Array): string {
  let start = 0;
  while (start < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return decode(bytes.subarray(start));
}
