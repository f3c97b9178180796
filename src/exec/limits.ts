// Output cap: keeps the first and last bytes of a stream with a marker between, in bounded memory.
import { ByteRing, cutCharPrefix, truncationMarker } from "./ring.ts";

/** First size of the head buffer: most runs print less, and none allocates the whole limit. */
const FIRST_HEAD = 4096;
const NO_TAIL = new ByteRing(0);

export class CappedOutput {
  // Both grow with the output, not the limit: a run that prints a line holds a few KB, not
  // output_limit (1 MiB per stream by default) — thousands of runs must not churn the heap.
  private head: Uint8Array;
  private headLen = 0;
  private readonly headSize: number;
  private readonly tailSize: number;
  private tail: ByteRing = NO_TAIL;
  total = 0;

  constructor(limit: number) {
    this.headSize = Math.floor(limit / 2);
    this.tailSize = limit - this.headSize;
    this.head = new Uint8Array(Math.min(this.headSize, FIRST_HEAD));
  }

  get truncated(): boolean {
    return this.total > this.headSize + this.tailSize;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLen < this.headSize) {
      const n = Math.min(rest.length, this.headSize - this.headLen);
      this.growHead(this.headLen + n);
      this.head.set(rest.subarray(0, n), this.headLen);
      this.headLen += n;
      rest = rest.subarray(n);
    }
    if (rest.length === 0) return;
    // The tail ring is made once the head is full: output past half the limit needs it whole.
    if (this.tail === NO_TAIL) this.tail = new ByteRing(this.tailSize);
    this.tail.push(rest);
  }

  private growHead(need: number): void {
    if (need <= this.head.length) return;
    let size = this.head.length || 1;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(this.headSize, size));
    next.set(this.head.subarray(0, this.headLen));
    this.head = next;
  }

  /** Text of what was kept, decoded as UTF-8 (invalid bytes become U+FFFD). */
  text(): string {
    const dropped = this.total - this.headLen - this.tail.length;
    const tail = this.tail.bytes();
    if (dropped === 0) return decode(concat(this.head.subarray(0, this.headLen), tail));
    // A character split by the cut is held back from the head and skipped in the tail.
    const headText = new TextDecoder("utf-8", { fatal: false }).decode(
      this.head.subarray(0, this.headLen),
      { stream: true },
    );
    return headText + truncationMarker(dropped) + decode(tail.subarray(cutCharPrefix(tail)));
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
