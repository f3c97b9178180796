// Reading a task's output: the file, plus the tail snapshot while the task still runs.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { completeUtf8Length, tailPath } from "./output-file.ts";

export interface OutputPage {
  /** Text of the bytes [offset, next_offset), cut on a character boundary. */
  chunk: string;
  offset: number;
  next_offset: number;
  /** Bytes in the output now (file + snapshot of a running task's tail). */
  size: number;
}

/**
 * Up to `maxBytes` of the output from byte `offset`. Offsets are stable once the task has ended;
 * while it runs, those past the head can move as the tail snapshot is replaced.
 */
export function readOutputPage(
  path: string | null,
  offset: number,
  maxBytes: number,
  opts: { snapshot?: boolean; holdPartial?: boolean } = {},
): OutputPage {
  const parts = path ? (opts.snapshot === false ? [path] : [path, tailPath(path)]) : [];
  // The file before the snapshot: the writer removes the snapshot before appending the tail.
  const sizes = parts.map((p) => statSync(p, { throwIfNoEntry: false })?.size ?? 0);
  const size = sizes.reduce((a, b) => a + b, 0);
  const start = Math.min(Math.max(0, offset), size);
  const want = Math.min(size - start, maxBytes);
  const buf = Buffer.alloc(want);
  let got = 0;
  let base = 0;
  parts.forEach((p, i) => {
    const partSize = sizes[i] as number;
    const from = start + got - base;
    if (got < want && from >= 0 && from < partSize) got += readAt(p, buf, got, from, want - got);
    base += partSize;
  });
  // Do not end inside a character unless the output itself does.
  // (A follower of a growing file holds a split character back until its last byte arrives.)
  const end =
    start + got < size
      ? completeUtf8Length(buf, got) || got
      : opts.holdPartial
        ? completeUtf8Length(buf, got)
        : got;
  return {
    chunk: buf.subarray(0, end).toString("utf8"),
    offset: start,
    next_offset: start + end,
    size,
  };
}

/** The whole output as text (bounded by the cap the writer applied). */
export function readOutputText(path: string | null): string {
  return readOutputPage(path, 0, Number.MAX_SAFE_INTEGER).chunk;
}

function readAt(path: string, buf: Buffer, at: number, position: number, length: number): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return 0; // the snapshot was removed meanwhile
  }
  try {
    let n = 0;
    while (n < length) {
      const r = readSync(fd, buf, at + n, length - n, position + n);
      if (r === 0) break;
      n += r;
    }
    return n;
  } finally {
    closeSync(fd);
  }
}
