// Files for agents: put a file on a node, read one back a page at a time. Every write is checked
// (the write-target policy on the path as given and as it resolves on the node, the node's sandbox
// level, the size bound), atomic (file-transfer.ts) and audit-logged; so is every read.
import type { Config } from "../config/load.ts";
import { ClusterError, toClusterError } from "../errors.ts";
import type { FileTransfer, WriteSource } from "../exec/file-transfer.ts";
import { checkWriteTarget } from "../policy/write-target.ts";
import type { AuditFile } from "../tasks/audit.ts";
import type { Requester } from "../tasks/request.ts";
import { sandboxRefusal } from "./sandbox-check.ts";

/** Opens the transfer to a node (throws NODE_UNKNOWN, UNREACHABLE...). The caller closes it. */
export type FilesFor = (node: string, signal?: AbortSignal) => Promise<FileTransfer>;

export interface PutRequest {
  node: string;
  path: string;
  content: WriteSource;
  /** Permission bits; default the replaced file's, else 0644. */
  mode?: number;
  append?: boolean;
  requester: Requester;
  signal?: AbortSignal;
  onProgress?: (written: number, total: number) => void;
}

export interface PutResult {
  node: string;
  /** Absolute path on the node. */
  path: string;
  /** Size of the file now (with an append: all of it). */
  bytes: number;
  /** SHA-256 of the bytes sent (for an append: of the appended part). */
  sha256: string;
  /** Octal, e.g. "0644". */
  mode: string;
  created: boolean;
}

export interface GetRequest {
  node: string;
  path: string;
  offset: number;
  limit: number;
  requester: Requester;
  signal?: AbortSignal;
}

export interface GetResult {
  node: string;
  path: string;
  offset: number;
  data: Uint8Array;
  /** The file's size now. */
  size: number;
  eof: boolean;
}

export interface FileApi {
  put(req: PutRequest): Promise<PutResult>;
  get(req: GetRequest): Promise<GetResult>;
  /** Whether a directory is at `path` on the node (`copy f NODE:DIR` keeps the file's name). */
  isDirectory(node: string, path: string, signal?: AbortSignal): Promise<boolean>;
  /** Bytes a put or a copy may move (file_max_bytes). */
  readonly maxBytes: number;
}

export interface FileApiDeps {
  config: Config;
  filesFor: FilesFor;
  audit?: (record: AuditFile) => void;
}

export function createFileApi(deps: FileApiDeps): FileApi {
  const maxBytes = deps.config.settings.file_max_bytes;
  const audit = (r: AuditFile) => {
    try {
      deps.audit?.(r);
    } catch (err) {
      process.stderr.write(
        `cluster-exec: could not audit-log a file ${r.op}: ${(err as Error).message}\n`,
      );
    }
  };
  const failed = (base: Omit<AuditFile, "outcome" | "bytes">, err: unknown): never => {
    const e = toClusterError(err);
    const rule = typeof e.details.rule === "string" ? e.details.rule : undefined;
    audit({
      ...base,
      bytes: null,
      outcome: e.code === "POLICY_DENIED" ? "refused" : "failed",
      error_code: e.code,
      error: e.message,
      ...(rule ? { rule } : {}),
    });
    throw e;
  };

  return {
    maxBytes,
    async isDirectory(node, path, signal) {
      const files = await deps.filesFor(node, signal);
      try {
        return (await files.stat(path).catch(() => undefined))?.isDirectory === true;
      } finally {
        await files.close().catch(() => {});
      }
    },
    async put(req) {
      const base = {
        event: "file",
        op: "put",
        requester: req.requester,
        node: req.node,
        path: req.path,
      } as const;
      let files: FileTransfer | undefined;
      try {
        files = await deps.filesFor(req.node, req.signal);
        const abs = await files.resolve(req.path);
        const real = await resolvedParent(files, abs);
        const verdict = checkWriteTarget(
          [asWritten(req.path), abs, real],
          deps.config.settings.protected_paths,
        );
        const refusal = verdict.allowed
          ? await sandboxRefusal(files, deps.config.nodes[req.node], real)
          : verdict;
        if (refusal)
          throw new ClusterError(
            "POLICY_DENIED",
            `refused to write ${req.node}:${abs}: ${refusal.message} (rule ${refusal.rule})`,
            { rule: refusal.rule, node: req.node, path: abs },
          );
        const hashed = hashing(req.content);
        const r = await files.write(abs, hashed.source, {
          mode: req.mode,
          append: req.append,
          maxBytes,
          signal: req.signal,
          onProgress: req.onProgress,
        });
        const sha256 = hashed.digest();
        audit({ ...base, path: r.path, bytes: r.bytes, outcome: "ok", sha256 });
        return {
          node: req.node,
          path: r.path,
          bytes: r.bytes,
          sha256,
          mode: `0${r.mode.toString(8)}`,
          created: r.created,
        };
      } catch (err) {
        return failed(base, err);
      } finally {
        await files?.close().catch(() => {});
      }
    },
    async get(req) {
      const base = {
        event: "file",
        op: "get",
        requester: req.requester,
        node: req.node,
        path: req.path,
      } as const;
      let files: FileTransfer | undefined;
      try {
        files = await deps.filesFor(req.node, req.signal);
        const abs = await files.resolve(req.path);
        const { data, size } = await files.read(abs, req.offset, req.limit);
        audit({ ...base, path: abs, bytes: data.length, outcome: "ok" });
        return {
          node: req.node,
          path: abs,
          offset: req.offset,
          data,
          size,
          eof: req.offset + data.length >= size,
        };
      } catch (err) {
        return failed(base, err);
      } finally {
        await files?.close().catch(() => {});
      }
    },
  };
}

/** The path as the policy reads it: relative ones are in the home directory. */
function asWritten(path: string): string {
  return path.startsWith("/") || path.startsWith("~") ? path : `~/${path}`;
}

/**
 * Where the file really lands: the nearest existing directory above it with its symlinks resolved
 * on the node, plus the rest (a symlinked ~/etc would otherwise hide /etc). The file itself is
 * replaced by a rename, which never follows a symlink there.
 */
async function resolvedParent(files: FileTransfer, abs: string): Promise<string> {
  const parts = abs.split("/");
  const name = parts.pop() as string;
  const rest: string[] = [name];
  while (parts.length > 1) {
    const dir = parts.join("/");
    const real = await files.realpath(dir).catch(() => undefined);
    if (real !== undefined) return `${real === "/" ? "" : real}/${rest.join("/")}`;
    rest.unshift(parts.pop() as string);
  }
  return `/${rest.join("/")}`;
}

/** The source, hashed as it is sent (a streamed file is read once). */
function hashing(content: WriteSource): { source: WriteSource; digest: () => string } {
  const hash = new Bun.CryptoHasher("sha256");
  if (content instanceof Uint8Array) {
    hash.update(content);
    return { source: content, digest: () => hash.digest("hex") };
  }
  const source = {
    size: content.size,
    async *stream() {
      for await (const chunk of content.stream()) {
        hash.update(chunk);
        yield chunk;
      }
    },
  };
  return { source, digest: () => hash.digest("hex") };
}
