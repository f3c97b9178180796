// The file operations a transport offers on a node (the port): SFTP over the ssh2 pool, the
// OpenSSH client over its ControlMaster, node:fs for this machine. file-transfer.ts builds atomic
// writes, ranged reads and `mkdir -p` on top, once for every adapter.

export interface FileStat {
  size: number;
  /** Permission bits (and setuid/setgid/sticky): `mode & 0o7777`. */
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
  mtimeMs: number;
}

/** What went wrong, in the few words a person can act on; adapters map their codes to these. */
export type FileOpFailure =
  | "not_found"
  | "permission"
  | "exists"
  | "no_space"
  | "not_directory"
  | "is_directory"
  | "unsupported"
  | "connection"
  | "failure";

export class FileOpError extends Error {
  override readonly name = "FileOpError";
  constructor(
    readonly failure: FileOpFailure,
    message: string,
  ) {
    super(message);
  }
}

/** An open file on the node; what it holds is the adapter's business. */
export type FileHandle = unknown;

export interface FileOps {
  /** The user's home directory on the node (absolute). */
  home(): Promise<string>;
  /** stat(2), following symlinks; undefined when nothing is there. */
  stat(path: string): Promise<FileStat | undefined>;
  /** The path with every symlink resolved (the path must exist). */
  realpath(path: string): Promise<string>;
  /** One directory; fails with "exists" when something is there. */
  mkdir(path: string, mode: number): Promise<void>;
  /** Creates a new file (O_CREAT | O_EXCL) for writing. */
  create(path: string, mode: number): Promise<FileHandle>;
  openRead(path: string): Promise<FileHandle>;
  write(h: FileHandle, data: Uint8Array, position: number): Promise<void>;
  /** Reads up to data.length bytes at position; 0 at end of file. */
  read(h: FileHandle, into: Uint8Array, position: number): Promise<number>;
  fsync(h: FileHandle): Promise<void>;
  chmod(h: FileHandle, mode: number): Promise<void>;
  close(h: FileHandle): Promise<void>;
  /** rename(2): replaces `to` atomically when it exists. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Bytes an unprivileged user may still write on the filesystem of `path`, when known. */
  freeBytes(path: string): Promise<number | undefined>;
  /** Reads or writes in flight at once (SFTP pipelines them over one round trip; a local file: 1). */
  readonly concurrency: number;
  /** Bytes per read or write request. */
  readonly chunkSize: number;
  /** Ends the session (an SFTP channel); the adapter is unusable afterwards. */
  end(): Promise<void>;
}
