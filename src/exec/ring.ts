// The tail of a capped stream: a fixed-size byte ring keeping the newest bytes, and the marker
// that stands for the dropped middle. Shared by run results and task output files.

export class ByteRing {
  private readonly buf: Uint8Array;
  private start = 0;
  /** Bytes held (at most the ring's size). */
  length = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  get size(): number {
    return this.buf.length;
  }

  /** Appends in at most two block copies, overwriting the oldest bytes; allocates nothing. */
  push(bytes: Uint8Array): void {
    const size = this.buf.length;
    if (size === 0 || bytes.length === 0) return;
    if (bytes.length >= size) {
      this.buf.set(bytes.subarray(bytes.length - size));
      this.start = 0;
      this.length = size;
      return;
    }
    const end = (this.start + this.length) % size;
    const first = Math.min(bytes.length, size - end);
    this.buf.set(bytes.subarray(0, first), end);
    this.buf.set(bytes.subarray(first), 0);
    const overflow = this.length + bytes.length - size;
    if (overflow > 0) {
      this.start = (this.start + overflow) % size;
      this.length = size;
    } else this.length += bytes.length;
  }

  /** A copy of the held bytes, oldest first. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    const first = Math.min(this.length, this.buf.length - this.start);
    out.set(this.buf.subarray(this.start, this.start + first));
    out.set(this.buf.subarray(0, this.length - first), first);
    return out;
  }
}

export function truncationMarker(dropped: number): string {
  return `\n[... ${dropped} bytes truncated by cluster-exec ...]\n`;
}

/** How many leading bytes (at most 3) are continuation bytes of a character cut by the drop. */
export function cutCharPrefix(bytes: Uint8Array): number {
  let skip = 0;
  while (skip < 3 && skip < bytes.length && ((bytes[skip] as number) & 0xc0) === 0x80) skip++;
  return skip;
}
