// FileOps for this machine (a node that is the local machine never goes over SSH): node:fs.
import { constants, promises as fs } from "node:fs";
import { type FileHandle, FileOpError, type FileOpFailure, type FileOps } from "./file-ops.ts";

const FAILURES: Record<string, FileOpFailure> = {
  ENOENT: "not_found",
  EACCES: "permission",
  EPERM: "permission",
  EROFS: "permission",
  EEXIST: "exists",
  ENOSPC: "no_space",
  EDQUOT: "no_space",
  ENOTDIR: "not_directory",
  EISDIR: "is_directory",
};

function mapped<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: NodeJS.ErrnoException) => {
    throw new FileOpError(FAILURES[err.code ?? ""] ?? "failure", err.code ?? err.message);
  });
}

type Handle = fs.FileHandle;

export function createLocalFileOps(home: string): FileOps {
  const h = (x: FileHandle) => x as Handle;
  return {
    concurrency: 1,
    chunkSize: 1_048_576,
    home: async () => home,
    async stat(path) {
      try {
        const st = await fs.stat(path);
        return {
          size: st.size,
          mode: st.mode & 0o7777,
          isFile: st.isFile(),
          isDirectory: st.isDirectory(),
          mtimeMs: st.mtimeMs,
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new FileOpError(
          FAILURES[(err as NodeJS.ErrnoException).code ?? ""] ?? "failure",
          (err as Error).message,
        );
      }
    },
    realpath: (path) => mapped(fs.realpath(path)),
    mkdir: (path, mode) => mapped(fs.mkdir(path, { mode })).then(() => {}),
    create: (path, mode) =>
      mapped(fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)),
    openRead: (path) => mapped(fs.open(path, "r")),
    write: async (x, data, position) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await mapped(
          h(x).write(data, done, data.length - done, position + done),
        );
        done += bytesWritten;
      }
    },
    read: async (x, into, position) =>
      (await mapped(h(x).read(into, 0, into.length, position))).bytesRead,
    fsync: (x) => mapped(h(x).sync()),
    chmod: (x, mode) => mapped(h(x).chmod(mode)),
    close: (x) => mapped(h(x).close()),
    rename: (from, to) => mapped(fs.rename(from, to)),
    unlink: (path) => mapped(fs.unlink(path)),
    async freeBytes(path) {
      try {
        const st = await fs.statfs(path);
        return st.bavail * st.bsize;
      } catch {
        return undefined;
      }
    },
    end: async () => {},
  };
}

/** The SHA-256 of a local file, hex (read as a stream: binaries are ~110 MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hash.update(chunk);
  return hash.digest("hex");
}
