// Which file transfer reaches a node: this machine's files directly, every other node over an
// SFTP session of its pooled ssh2 connection.
import type { Config } from "../config/load.ts";
import { createFileTransfer } from "../exec/file-transfer.ts";
import { createLocalFileOps } from "../exec/local-files.ts";
import type { FilesFor } from "../files/api.ts";
import type { SshPool } from "../ssh/pool.ts";
import { openSftpFiles } from "../ssh/sftp-files.ts";
import { knownNode } from "./nodes.ts";

/** `isLocal` is the runtime's answer to "is this node this machine?" (as for executors). */
export function createFilesFor(
  config: Config,
  deps: { pool: SshPool; isLocal: (node: string) => boolean },
): FilesFor {
  return async (name, signal) => {
    const node = knownNode(name, config);
    if (deps.isLocal(name))
      return createFileTransfer(name, createLocalFileOps(config.settings.home));
    return openSftpFiles(deps.pool, node, signal);
  };
}
