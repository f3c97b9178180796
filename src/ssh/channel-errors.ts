// What a connection says when it cannot give a channel: no free session in time, or no SFTP.
import { ClusterError } from "../errors.ts";
import type { SessionSlots } from "../remote/session-slots.ts";

/** NODE_BUSY: the wait for a session outlasted the command's timeout; nothing was sent. */
export function nodeBusyError(node: string, slots: SessionSlots, deadline?: number): ClusterError {
  const { run, control } = slots.inUse;
  const waited = deadline === undefined ? "" : ` within the command's timeout`;
  return new ClusterError(
    "NODE_BUSY",
    `node ${node} is busy: no SSH session became free${waited} (${run} running, ${control} control, ${slots.waiting} waiting on this connection); the command was not sent`,
    { node },
  );
}

/** FILE_FAILED: the node's sshd would not start the SFTP subsystem. */
export function noSftpError(node: string, message: string): ClusterError {
  return new ClusterError(
    "FILE_FAILED",
    `node ${node} has no usable SFTP subsystem (${message}); sshd needs a \`Subsystem sftp\` line`,
    { node },
  );
}
