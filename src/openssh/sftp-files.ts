// A FileTransfer to a node through its OpenSSH ControlMaster: `ssh -s HOST sftp` (jump hosts,
// certificates and all), speaking SFTP with ssh2's own client over the process's stdin and stdout.
import type { SFTPWrapper } from "ssh2";
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { createFileTransfer, type FileTransfer } from "../exec/file-transfer.ts";
import { createSftpFileOps } from "../remote/sftp-ops.ts";
import { type OpensshHub, SessionRefused } from "./hub.ts";

// ssh2's SFTP client (not part of its typed API): it talks to a channel through two calls, which
// are the ssh process's pipes here. Pinned by the openssh file tests on the netns cluster.
const { SFTP } = require("ssh2/lib/protocol/SFTP.js") as {
  SFTP: new (
    client: unknown,
    chanInfo: unknown,
    cfg: unknown,
  ) => SFTPWrapper & {
    push(data: Uint8Array | null): void;
    _init(): void;
  };
};

/** Opens the session (retried like a run that never started); close() ends the ssh process. */
export async function openOpensshFiles(
  hub: OpensshHub,
  node: NodeConfig,
  signal?: AbortSignal,
): Promise<FileTransfer> {
  const sftp = await hub.retrying(node, signal, async (link) => {
    const proc = await hub.spawnSubsystem(node, link, "sftp", signal);
    const session = new SFTP(
      {
        _protocol: {
          // OpenSSH's limits (256 KiB packets); the VERSION reply refines them.
          _remoteIdentRaw: "SSH-2.0-OpenSSH",
          channelData: (_id: number, data: Uint8Array) => {
            proc.stdin.write(data);
            void proc.stdin.flush();
          },
          channelClose: () => {
            void proc.stdin.end();
          },
        },
      },
      {
        type: "sftp",
        incoming: { id: 0, window: Number.MAX_SAFE_INTEGER, packetSize: 1 << 20, state: "open" },
        // The pipe has no SSH window of its own: ssh's channel does the flow control.
        outgoing: { id: 0, window: Number.MAX_SAFE_INTEGER, packetSize: 1 << 20, state: "open" },
      },
      {},
    );
    const stderr = new Response(proc.stderr).text();
    void (async () => {
      for await (const chunk of proc.stdout) session.push(chunk);
      session.push(null);
    })();
    void proc.exited.then(() => session.emit("close"));
    const ready = new Promise<void>((resolve, reject) => {
      session.once("ready", () => resolve());
      session.once("error", (err: Error) => reject(err));
      void proc.exited.then(async (code) => {
        const text = await stderr;
        const f = hub.sessionFailure(node, link, text);
        if (f?.kind === "refused") return reject(new SessionRefused(f.text));
        if (f?.kind === "error") return reject(f.error);
        reject(
          new ClusterError(
            "FILE_FAILED",
            `node ${node.name}: the sftp subsystem ended before it answered (exit ${code}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ""}); sshd needs a \`Subsystem sftp\` line`,
            { node: node.name },
          ),
        );
      });
    });
    session._init();
    try {
      await ready;
    } catch (err) {
      proc.kill("SIGKILL");
      throw err;
    }
    return session;
  });
  return createFileTransfer(node.name, createSftpFileOps(sftp));
}
