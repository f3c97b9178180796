// Files on a node through any transport's FileOps: paths from the home directory, ranged reads,
// and atomic writes (a temp file beside the target, fsync, chmod, rename), so a reader sees the
// old file or the new one and a failed write leaves the old one in place.
import { ClusterError } from "../errors.ts";
import { fanOut } from "./fan-out.ts";
import { fileError, where } from "./file-errors.ts";
import type { FileHandle, FileOpError, FileOps, FileStat } from "./file-ops.ts";

/** What to write: bytes, or a stream of known size (a 110 MB binary is never held whole). */
export type WriteSource = Uint8Array | { size: number; stream: () => AsyncIterable<Uint8Array> };

export interface WriteOptions {
  /** Permission bits; default the replaced file's, else 0644. */
  mode?: number;
  /** Keep the file's current content first (copied into the temp file: still atomic). */
  append?: boolean;
  /** Refuse when the file would end up larger (FILE_TOO_LARGE). */
  maxBytes?: number;
  onProgress?: (written: number, total: number) => void;
  signal?: AbortSignal;
}

export interface WriteResult {
  /** Absolute path written. */
  path: string;
  /** Size of the file now. */
  bytes: number;
  mode: number;
  /** No file was there before. */
  created: boolean;
}

export interface FileTransfer {
  readonly node: string;
  /** The absolute path: `~`, `~/x` and relative paths are taken from the home directory. */
  resolve(path: string): Promise<string>;
  stat(path: string): Promise<FileStat | undefined>;
  /** The path with every symlink resolved on the node (it must exist). */
  realpath(path: string): Promise<string>;
  /** Up to `length` bytes from `offset`, and the file's size. */
  read(path: string, offset: number, length: number): Promise<{ data: Uint8Array; size: number }>;
  write(path: string, source: WriteSource, opts?: WriteOptions): Promise<WriteResult>;
  /** Removes a file; a missing one is fine. */
  remove(path: string): Promise<void>;
  /** rename(2) on the node: atomic, replaces `to` (both in one directory, one filesystem). */
  rename(from: string, to: string): Promise<void>;
  freeBytes(path: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Free bytes below which a failed write is taken for a full disk. */
const NEARLY_FULL = 256 * 1024;

export function createFileTransfer(node: string, ops: FileOps): FileTransfer {
  let home: Promise<string> | undefined;
  const fail = (err: unknown, doing: string, path: string): never => {
    throw fileError(node, err, doing, path);
  };
  const resolve = async (path: string): Promise<string> => {
    if (path.startsWith("/")) return path;
    home ??= ops.home();
    const h = await home;
    if (path === "~") return h;
    return `${h}/${path.startsWith("~/") ? path.slice(2) : path}`;
  };

  async function mkdirs(dir: string): Promise<void> {
    const st = await ops.stat(dir).catch((e) => fail(e, "look at", dir));
    if (st?.isDirectory) return;
    if (st) throw new ClusterError("FILE_FAILED", `${where(node, dir)}: not a directory`);
    const parent = dir.slice(0, dir.lastIndexOf("/")) || "/";
    if (parent !== dir) await mkdirs(parent);
    await ops.mkdir(dir, 0o755).catch(async (e: FileOpError) => {
      // Made meanwhile by someone else: fine as long as it is a directory now.
      if (e?.failure === "exists" && (await ops.stat(dir))?.isDirectory) return;
      fail(e, "create the directory", dir);
    });
  }

  async function copyInto(h: FileHandle, from: string, size: number): Promise<void> {
    const src = await ops.openRead(from);
    try {
      const buf = new Uint8Array(ops.chunkSize);
      for (let at = 0; at < size; ) {
        const n = await ops.read(src, buf, at);
        if (n === 0) break;
        await ops.write(h, buf.slice(0, n), at);
        at += n;
      }
    } finally {
      await ops.close(src).catch(() => {});
    }
  }

  return {
    node,
    resolve,
    stat: async (path) => ops.stat(await resolve(path)).catch((e) => fail(e, "look at", path)),
    freeBytes: async (path) => ops.freeBytes(await resolve(path)).catch(() => undefined),
    realpath: async (path) => {
      const abs = await resolve(path);
      return ops.realpath(abs).catch((e) => fail(e, "resolve", abs));
    },
    async read(path, offset, length) {
      const abs = await resolve(path);
      const st = await ops.stat(abs).catch((e) => fail(e, "read", abs));
      if (!st) throw new ClusterError("FILE_NOT_FOUND", `${where(node, abs)}: no such file`);
      if (st.isDirectory) throw new ClusterError("FILE_FAILED", `${where(node, abs)}: a directory`);
      const h = await ops.openRead(abs).catch((e) => fail(e, "read", abs));
      try {
        const want = Math.max(0, Math.min(length, st.size - offset));
        const data = new Uint8Array(want);
        // Chunks read side by side; each is read to its end (a server may answer short).
        const starts: number[] = [];
        for (let at = 0; at < want; at += ops.chunkSize) starts.push(at);
        const got = await fanOut(starts.length, ops.concurrency, async (i) => {
          const from = starts[i] as number;
          const piece = data.subarray(from, Math.min(want, from + ops.chunkSize));
          let n = 0;
          while (n < piece.length) {
            const r = await ops.read(h, piece.subarray(n), offset + from + n);
            if (r === 0) break;
            n += r;
          }
          return n;
        });
        // The file shrank meanwhile: keep what was read without a hole.
        let end = 0;
        for (const [i, n] of got.entries()) {
          end = (starts[i] as number) + n;
          if (n < Math.min(ops.chunkSize, want - (starts[i] as number))) break;
        }
        return { data: data.subarray(0, end), size: st.size };
      } catch (e) {
        return fail(e, "read", abs);
      } finally {
        await ops.close(h).catch(() => {});
      }
    },
    async write(path, source, opts = {}) {
      const abs = await resolve(path);
      const slash = abs.lastIndexOf("/");
      const dir = abs.slice(0, slash) || "/";
      const existing = await ops.stat(abs).catch((e) => fail(e, "look at", abs));
      if (existing?.isDirectory)
        throw new ClusterError("FILE_FAILED", `${where(node, abs)}: a directory is there`);
      const kept = opts.append && existing ? existing.size : 0;
      const incoming = source instanceof Uint8Array ? source.length : source.size;
      const total = kept + incoming;
      if (opts.maxBytes !== undefined && total > opts.maxBytes)
        throw new ClusterError(
          "FILE_TOO_LARGE",
          `${where(node, abs)}: ${total} bytes would be written, over the limit of ${opts.maxBytes} (file_max_bytes)`,
          { bytes: total, limit: opts.maxBytes },
        );
      const mode = opts.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
      await mkdirs(dir);
      await checkSpace(ops, node, dir, total);
      const tmp = `${dir}/.${abs.slice(slash + 1)}.cluster-exec-${randomSuffix()}.tmp`;
      const h = await ops.create(tmp, 0o600).catch((e) => fail(e, "create a file in", dir));
      let open = true;
      try {
        if (kept > 0) await copyInto(h, abs, kept);
        await pump(ops, h, source, kept, total, opts);
        await ops.fsync(h);
        await ops.chmod(h, mode);
        open = false;
        await ops.close(h);
        await ops.rename(tmp, abs);
      } catch (e) {
        if (open) await ops.close(h).catch(() => {});
        await ops.unlink(tmp).catch(() => {});
        if ((e as Error)?.name === "AbortError") throw e;
        // SFTP says only "Failure" for a full disk: look whether that is what happened.
        const free = await ops.freeBytes(dir).catch(() => undefined);
        if (free !== undefined && free < NEARLY_FULL)
          throw new ClusterError(
            "FILE_FAILED",
            `${where(node, abs)}: no space left on the device (${free} bytes free in ${dir}); the file there is unchanged`,
            { reason: "no_space" },
          );
        fail(e, "write", abs);
      }
      opts.onProgress?.(total, total);
      return { path: abs, bytes: total, mode, created: !existing };
    },
    async remove(path) {
      const abs = await resolve(path);
      await ops.unlink(abs).catch((e: FileOpError) => {
        if (e?.failure !== "not_found") fail(e, "remove", abs);
      });
    },
    async rename(from, to) {
      const [a, b] = [await resolve(from), await resolve(to)];
      await ops.rename(a, b).catch((e) => fail(e, `rename ${a} to`, b));
    },
    close: () => ops.end(),
  };
}

/**
 * Writes the source at `start` in requests of chunkSize (a stream's small chunks are gathered
 * first), keeping up to `concurrency` of them in flight.
 */
async function pump(
  ops: FileOps,
  h: FileHandle,
  source: WriteSource,
  start: number,
  total: number,
  opts: WriteOptions,
): Promise<void> {
  const inflight = new Set<Promise<void>>();
  let failed: unknown;
  let at = start;
  const send = async (piece: Uint8Array) => {
    if (failed) throw failed;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("aborted");
    const p = ops.write(h, piece, at).then(
      () => {
        inflight.delete(p);
      },
      (e: unknown) => {
        inflight.delete(p);
        failed ??= e;
      },
    );
    inflight.add(p);
    at += piece.length;
    if (inflight.size >= ops.concurrency) await Promise.race(inflight);
    opts.onProgress?.(at, total);
  };
  const chunks =
    source instanceof Uint8Array ? [source] : (source.stream() as AsyncIterable<Uint8Array>);
  let pending = new Uint8Array(ops.chunkSize);
  let filled = 0;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; ) {
      if (filled === 0 && chunk.length - i >= ops.chunkSize) {
        await send(chunk.subarray(i, i + ops.chunkSize)); // whole requests need no copy
        i += ops.chunkSize;
        continue;
      }
      const n = Math.min(ops.chunkSize - filled, chunk.length - i);
      pending.set(chunk.subarray(i, i + n), filled);
      filled += n;
      i += n;
      if (filled === ops.chunkSize) {
        await send(pending);
        pending = new Uint8Array(ops.chunkSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) await send(pending.subarray(0, filled));
  await Promise.all(inflight);
  if (failed) throw failed;
  if (at !== total)
    throw new ClusterError("FILE_FAILED", `the source ended after ${at} of ${total} bytes`);
}

async function checkSpace(ops: FileOps, node: string, dir: string, bytes: number): Promise<void> {
  const free = await ops.freeBytes(dir).catch(() => undefined);
  // The temp file exists beside the old file until the rename: both must fit.
  if (free !== undefined && free < bytes)
    throw new ClusterError(
      "FILE_FAILED",
      `${where(node, dir)}: not enough space for ${bytes} bytes (${free} free); nothing was written`,
      { reason: "no_space", free, bytes },
    );
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}
