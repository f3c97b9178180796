// `cluster-exec copy`: a local file to a node, or a node's file here, through the file API (so the
// same checks, bounds and audit records as put_file / get_file), streamed both ways.
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Config } from "../config/load.ts";
import { NODE_NAME } from "../config/schema.ts";
import { ClusterError } from "../errors.ts";
import { createFileTransfer } from "../exec/file-transfer.ts";
import { createLocalFileOps } from "../exec/local-files.ts";
import type { Requester } from "../tasks/request.ts";
import type { FileApi, PutResult } from "./api.ts";

/** A `NODE:PATH` argument, when NODE is a node of the inventory. */
export function nodeSpec(arg: string, config: Config): { node: string; path: string } | undefined {
  const colon = arg.indexOf(":");
  if (colon <= 0) return undefined;
  const node = arg.slice(0, colon);
  if (!NODE_NAME.test(node) || !(node in config.nodes)) return undefined;
  return { node, path: arg.slice(colon + 1) || "." };
}

export interface CopyOptions {
  requester: Requester;
  mode?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface CopyResult {
  direction: "upload" | "download";
  node: string;
  /** Path on the node. */
  remote: string;
  /** Path here. */
  local: string;
  bytes: number;
  sha256: string;
}

/** Local file → node. Into a directory there (or a destination ending in "/"), the file keeps its name. */
export async function upload(
  api: FileApi,
  local: string,
  node: string,
  remote: string,
  opts: CopyOptions,
): Promise<CopyResult> {
  const st = statSync(local, { throwIfNoEntry: false });
  if (!st) throw new ClusterError("FILE_NOT_FOUND", `${local}: no such file here`);
  if (!st.isFile()) throw new ClusterError("FILE_FAILED", `${local}: not a regular file`);
  if (st.size > api.maxBytes)
    throw new ClusterError(
      "FILE_TOO_LARGE",
      `${local}: ${st.size} bytes, over the limit of ${api.maxBytes} (file_max_bytes)`,
    );
  const intoDir =
    remote.endsWith("/") || remote === "." || (await api.isDirectory(node, remote, opts.signal));
  const target = intoDir ? `${remote.replace(/\/?$/, "/")}${basename(local)}` : remote;
  const r: PutResult = await api.put({
    node,
    path: target,
    content: { size: st.size, stream: () => Bun.file(local).stream() },
    mode: opts.mode ?? st.mode & 0o777,
    requester: opts.requester,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  return { direction: "upload", node, remote: r.path, local, bytes: r.bytes, sha256: r.sha256 };
}

/** Page size of a download: one SFTP session per page (and one audit record), so not too small. */
const PAGE = 16 * 1_048_576;

/** Node → local file, written atomically here. An existing local directory keeps the file's name. */
export async function download(
  api: FileApi,
  node: string,
  remote: string,
  local: string,
  opts: CopyOptions,
): Promise<CopyResult> {
  const first = await api.get({
    node,
    path: remote,
    offset: 0,
    limit: PAGE,
    requester: opts.requester,
    signal: opts.signal,
  });
  if (first.size > api.maxBytes)
    throw new ClusterError(
      "FILE_TOO_LARGE",
      `${node}:${first.path}: ${first.size} bytes, over the limit of ${api.maxBytes} (file_max_bytes)`,
    );
  const target = statSync(local, { throwIfNoEntry: false })?.isDirectory()
    ? join(local, basename(first.path))
    : local;
  const hash = new Bun.CryptoHasher("sha256");
  async function* pages() {
    let page = first;
    for (;;) {
      hash.update(page.data);
      yield page.data;
      const next = page.offset + page.data.length;
      if (next >= first.size || page.data.length === 0) return;
      page = await api.get({
        node,
        path: remote,
        offset: next,
        limit: PAGE,
        requester: opts.requester,
        signal: opts.signal,
      });
    }
  }
  // The local side is this machine's file transfer: temp file, fsync, rename.
  const here = createFileTransfer("this machine", createLocalFileOps(process.cwd()));
  const r = await here.write(
    target,
    { size: first.size, stream: pages },
    {
      mode: opts.mode,
      signal: opts.signal,
      onProgress: opts.onProgress,
    },
  );
  return {
    direction: "download",
    node,
    remote: first.path,
    local: r.path,
    bytes: r.bytes,
    sha256: hash.digest("hex"),
  };
}
