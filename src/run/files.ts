// Which file transfer reaches a node: this machine's files directly; every other node over SFTP,
// on its pooled ssh2 connection or through its OpenSSH ControlMaster, as its transport decides.
import type { Config } from "../config/load.ts";
import { createFileTransfer } from "../exec/file-transfer.ts";
import { createLocalFileOps } from "../exec/local-files.ts";
import type { FilesFor } from "../files/api.ts";
import { openOpensshFiles } from "../openssh/sftp-files.ts";
import { openSftpFiles } from "../ssh/sftp-files.ts";
import { knownNode } from "./nodes.ts";
import type { Transports } from "./transports.ts";

/** `isLocal` is the runtime's answer to "is this node this machine?" (as for executors). */
export function createFilesFor(
  config: Config,
  deps: { transports: Transports; isLocal: (node: string) => boolean },
): FilesFor {
  return async (name, signal) => {
    const node = knownNode(name, config);
    if (deps.isLocal(name))
      return createFileTransfer(name, createLocalFileOps(config.settings.home));
    const { transports } = deps;
    return (await transports.choose(node)).transport === "openssh"
      ? openOpensshFiles(transports.openssh, node, signal)
      : openSftpFiles(transports.pool, node, signal);
  };
}
