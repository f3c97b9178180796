// A task's output stream written to a file with the same cap as run results: the head goes to the
// file as it arrives, the tail is kept in a bounded ring (snapshotted beside the file while the task
// runs) and appended, after a marker, when the stream ends. Memory stays flat whatever the volume.
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { ByteRing, cutCharPrefix, truncationMarker } from "../exec/ring.ts";

const SNAPSHOT_MS = 1000;

/** The tail snapshot of a running task: what readers show after the head until the task ends. */
export function tailPath(path: string): string {
  return `${path}.tail`;
}

export class CappedFileWriter {
  private readonly fd: number;
  private readonly headSize: number;
  private headLen = 0;
  private headOpen = true;
  // The tail is a ring buffer allocated once the head is full (most runs never fill it): a flood
  // copies into it and allocates nothing.
  private tailRing: ByteRing | undefined;
  private readonly tailSize: number;
  private total = 0;
  /** Bytes written to the file so far (the head, then marker and tail at close). */
  written = 0;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** The first write error (disk full...): later output is dropped, the run and its end go on. */
  failure: Error | undefined;

  constructor(
    readonly path: string,
    limit: number,
  ) {
    this.headSize = Math.floor(limit / 2);
    this.tailSize = limit - this.headSize;
    this.fd = openSync(path, "w", 0o600);
  }

  private get tail(): ByteRing {
    this.tailRing ??= new ByteRing(this.tailSize);
    return this.tailRing;
  }

  get truncated(): boolean {
    return this.total > this.headLen + (this.tailRing?.length ?? 0);
  }

  push(chunk: Uint8Array): void {
    if (this.closed) return;
    this.total += chunk.length;
    let rest = chunk;
    if (this.headOpen) {
      const room = this.headSize - this.headLen;
      if (rest.length <= room) {
        this.write(rest);
        this.headLen += rest.length;
        return;
      }
      // Cut the head on a character boundary: a split character goes to the tail whole.
      const n = utf8Boundary(rest, room);
      this.write(rest.subarray(0, n));
      this.headLen += n;
      this.headOpen = false;
      rest = rest.subarray(n);
    }
    this.tail.push(rest);
    this.scheduleSnapshot();
  }

  /** Writes the tail (after a marker when bytes were dropped) and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    // Snapshot first, tail second: a reader (file, then snapshot) may briefly miss the tail but
    // never sees it twice.
    rmSync(tailPath(this.path), { force: true });
    if (this.tailRing && this.tailRing.length > 0) this.write(this.tailBytes());
    try {
      closeSync(this.fd);
    } catch (err) {
      this.failure ??= err as Error;
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.failure) return;
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off);
      this.written += off;
    } catch (err) {
      this.failure = err as Error;
    }
  }

  /** Marker (when bytes were dropped) + the kept tail, starting on a character boundary. */
  private tailBytes(): Uint8Array {
    const dropped = this.total - this.headLen - this.tail.length;
    const tail = this.tail.bytes();
    if (dropped <= 0) return tail;
    const skip = cutCharPrefix(tail);
    return Buffer.concat([Buffer.from(truncationMarker(dropped + skip)), tail.subarray(skip)]);
  }

  private scheduleSnapshot(): void {
    if (this.snapshotTimer) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      if (this.closed) return;
      const tmp = `${tailPath(this.path)}.tmp`;
      try {
        writeFileSync(tmp, this.tailBytes(), { mode: 0o600 });
        renameSync(tmp, tailPath(this.path)); // readers see the old or the new snapshot, whole
      } catch {
        // a snapshot is a convenience for readers of a running task; the final file is what counts
      }
    }, SNAPSHOT_MS);
    this.snapshotTimer.unref?.();
  }
}

/** The largest n' <= n such that bytes[0, n') does not end inside a UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array, n: number): number {
  let i = n;
  // Walk back over continuation bytes to the lead byte of the character that contains bytes[n].
  while (i > 0 && i > n - 3 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
  return i;
}

/** The length of the longest prefix of bytes[0, len) that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(bytes: Uint8Array, len: number): number {
  for (let i = len - 1; i >= 0 && i >= len - 4; i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation: keep looking for its lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > len ? i : len;
  }
  return len;
}
