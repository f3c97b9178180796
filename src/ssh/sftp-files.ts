// A FileTransfer to a node over an SFTP session of its pooled ssh2 connection.
import type { NodeConfig } from "../config/load.ts";
import { createFileTransfer, type FileTransfer } from "../exec/file-transfer.ts";
import { createSftpFileOps } from "../remote/sftp-ops.ts";
import type { SshPool } from "./pool.ts";

/** Opens the session (retried like any connection attempt); close() ends it. */
export async function openSftpFiles(
  pool: SshPool,
  node: NodeConfig,
  signal?: AbortSignal,
): Promise<FileTransfer> {
  const sftp = await pool.sftp(node, signal);
  return createFileTransfer(node.name, createSftpFileOps(sftp));
}
