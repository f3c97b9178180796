// Output cap: keeps the first and last bytes of a stream with a marker between, in bounded memory.
import { ByteRing, cutCharPrefix, truncationMarker } from "./ring.ts";

export class CappedOutput {
  private readonly head: Uint8Array;
  private headLen = 0;
  private readonly tail: ByteRing;
  total = 0;

  constructor(limit: number) {
    const headSize = Math.floor(limit / 2);
    this.head = new Uint8Array(headSize);
    this.tail = new ByteRing(limit - headSize);
  }

  get truncated(): boolean {
    return this.total > this.head.length + this.tail.size;
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
    this.tail.push(rest);
  }

  /** Text of what was kept, decoded as UTF-8 (invalid bytes become U+FFFD). */
  text(): string {
    const dropped = this.total - this.headLen - this.tail.length;
    const tail = this.tail.bytes();
    if (dropped === 0) return decode(concat(this.head.subarray(0, this.headLen), tail));
    // A character split by the cut is held back from the head and skipped in the tail.
    const headText = new TextDecoder("utf-8", { fatal: false }).decode(this.head, { stream: true });
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
