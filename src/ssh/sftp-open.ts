// Asking an ssh2 connection for an SFTP session, bounded like a command's channel open: no answer
// and not a byte on the connection for a whole window means it is dead (half-open); a busy node
// that still sends something is waited for. The connection decides what each outcome means.
import type { Client, SFTPWrapper } from "ssh2";

export type SftpRequest =
  | { kind: "open"; sftp: SFTPWrapper }
  /** Nothing arrived for a whole window. */
  | { kind: "silent" }
  /** sshd refused the channel (MaxSessions): ask again later. */
  | { kind: "refused"; message: string }
  /** The subsystem could not start (no `Subsystem sftp`), or the client threw. */
  | { kind: "failed"; message: string };

export function requestSftp(
  client: Client,
  watch: { bytesRead: () => number; windowMs: number },
): Promise<SftpRequest> {
  return new Promise((resolve) => {
    let settled = false;
    let seen = watch.bytesRead();
    const check = () => {
      if (settled) return;
      if (watch.bytesRead() !== seen) {
        seen = watch.bytesRead();
        timer = setTimeout(check, watch.windowMs);
        return;
      }
      settled = true;
      resolve({ kind: "silent" });
    };
    let timer = setTimeout(check, watch.windowMs);
    try {
      client.sftp((err, sftp) => {
        clearTimeout(timer);
        if (settled) {
          sftp?.end(); // answered after we gave up: nobody will use it
          return;
        }
        settled = true;
        if (!err) return resolve({ kind: "open", sftp });
        const e = err as Error & { reason?: number | string };
        resolve(
          e.reason !== undefined
            ? { kind: "refused", message: e.message }
            : { kind: "failed", message: e.message },
        );
      });
    } catch (err) {
      clearTimeout(timer);
      settled = true;
      resolve({ kind: "failed", message: (err as Error).message });
    }
  });
}
