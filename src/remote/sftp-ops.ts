// FileOps over one SFTP session (a channel of the ssh2 pool, or `ssh -s sftp` over a ControlMaster)
// to OpenSSH's sftp-server or internal-sftp: its posix-rename, fsync and statvfs extensions make
// the atomic write and the space check possible.
import type { SFTPWrapper, Stats } from "ssh2";
import {
  type FileHandle,
  FileOpError,
  type FileOpFailure,
  type FileOps,
  type FileStat,
} from "../exec/file-ops.ts";

// SFTP status codes (draft-ietf-secsh-filexfer-02, what OpenSSH speaks). OpenSSH reports EEXIST,
// ENOSPC and most else as plain FAILURE; file-transfer.ts looks at the free space to tell.
const STATUS: Record<number, FileOpFailure> = {
  2: "not_found",
  3: "permission",
  6: "connection",
  7: "connection",
  8: "unsupported",
};

type Cb<T> = (err: Error | undefined | null, value: T) => void;

/** Calls an ssh2 SFTP method and maps its error; a method the server lacks is "unsupported". */
function call<T>(what: string, f: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      f((err, value) => (err ? reject(mapError(err, what)) : resolve(value)));
    } catch (err) {
      // ssh2 throws synchronously for an extension the server did not announce.
      reject(new FileOpError("unsupported", `${what}: ${(err as Error).message}`));
    }
  });
}

function mapError(err: Error & { code?: number | string }, what: string): FileOpError {
  const failure = typeof err.code === "number" ? (STATUS[err.code] ?? "failure") : "connection";
  return new FileOpError(failure, `${what}: ${err.message}`);
}

function toStat(st: Stats): FileStat {
  return {
    size: st.size,
    mode: st.mode & 0o7777,
    isFile: st.isFile(),
    isDirectory: st.isDirectory(),
    mtimeMs: st.mtime * 1000,
  };
}

// Requests in flight per session: OpenSSH's sftp-server handles them in order, so the pipeline
// only has to cover the round trip. 255 KiB is the largest read and write OpenSSH announces in
// limits@openssh.com; ssh2 splits a request for a server that takes less (correct, only slower).
// Measured on the test cluster (64 MiB, loaded machine): 64 KiB × 32 and 255 KiB × 32 within
// noise of each other and of ssh2's own fastPut/fastGet; 32 KiB × 64 slower to read.
const CONCURRENCY = 32;
const CHUNK = 255 * 1024;

export function createSftpFileOps(sftp: SFTPWrapper): FileOps {
  const h = (x: FileHandle) => x as Buffer;
  return {
    concurrency: CONCURRENCY,
    chunkSize: CHUNK,
    home: () => call<string>("realpath .", (cb) => sftp.realpath(".", cb)),
    async stat(path) {
      try {
        return toStat(await call<Stats>("stat", (cb) => sftp.stat(path, cb)));
      } catch (err) {
        if ((err as FileOpError).failure === "not_found") return undefined;
        throw err;
      }
    },
    realpath: (path) => call<string>("realpath", (cb) => sftp.realpath(path, cb)),
    async mkdir(path, mode) {
      try {
        await call<void>("mkdir", (cb) => sftp.mkdir(path, { mode }, cb as Cb<void>));
      } catch (err) {
        // FAILURE for an existing entry: say "exists" when something is there now.
        if ((err as FileOpError).failure === "failure" && (await this.stat(path)))
          throw new FileOpError("exists", `mkdir: ${path} exists`);
        throw err;
      }
    },
    create: (path, mode) =>
      call<Buffer>("open", (cb) => sftp.open(path, "wx", { mode }, cb as Cb<Buffer>)),
    openRead: (path) => call<Buffer>("open", (cb) => sftp.open(path, "r", cb as Cb<Buffer>)),
    write: (x, data, position) =>
      call<void>("write", (cb) =>
        sftp.write(
          h(x),
          Buffer.from(data.buffer, data.byteOffset, data.length),
          0,
          data.length,
          position,
          cb as Cb<void>,
        ),
      ),
    async read(x, into, position) {
      if (into.length === 0) return 0;
      const buf = Buffer.from(into.buffer, into.byteOffset, into.length);
      return call<number>("read", (cb) =>
        sftp.read(h(x), buf, 0, buf.length, position, (err, n) => cb(err, n)),
      );
    },
    fsync: (x) => call<void>("fsync", (cb) => sftp.ext_openssh_fsync(h(x), cb as Cb<void>)),
    chmod: (x, mode) => call<void>("chmod", (cb) => sftp.fchmod(h(x), mode, cb as Cb<void>)),
    close: (x) => call<void>("close", (cb) => sftp.close(h(x), cb as Cb<void>)),
    // posix-rename replaces the target atomically; plain SFTP rename refuses an existing one.
    rename: (from, to) =>
      call<void>("rename", (cb) => sftp.ext_openssh_rename(from, to, cb as Cb<void>)),
    unlink: (path) => call<void>("unlink", (cb) => sftp.unlink(path, cb as Cb<void>)),
    async freeBytes(path) {
      try {
        const fs = await call<{ f_bavail: number; f_frsize: number }>("statvfs", (cb) =>
          sftp.ext_openssh_statvfs(path, cb),
        );
        return Number(fs.f_bavail) * Number(fs.f_frsize);
      } catch {
        return undefined;
      }
    },
    end: async () => {
      await new Promise<void>((resolve) => {
        sftp.once("close", () => resolve());
        sftp.end();
        // A session whose connection died never says "close": do not wait for it.
        setTimeout(resolve, 1000).unref();
      });
    },
  };
}
