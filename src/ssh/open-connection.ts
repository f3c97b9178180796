// Opening a connection to a node: TCP connect with its own timeout, then the SSH handshake with
// the pinned host key (accept-new) and authentication, each failure mapped to one clear error.
import { type Socket, connect as tcpConnect } from "node:net";
import { Client } from "ssh2";
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { hostKeyChangedError } from "../remote/host-keys.ts";
import { planAuth } from "./auth.ts";
import { type ConnectionOptions, SshConnection } from "./connection.ts";

/**
 * Opens a connection: TCP (connectTimeoutMs), then handshake + auth (handshakeTimeoutMs). An abort
 * (the pool closing) gives up at once, whichever step it is in, and drops the socket.
 */
export async function openConnection(
  node: NodeConfig,
  address: string,
  opts: ConnectionOptions,
  signal?: AbortSignal,
): Promise<SshConnection> {
  const plan = planAuth(node, opts.auth); // AUTH_FAILED before any traffic when there is no key
  const where = `${node.user}@${address}:${node.port}`;
  const gaveUp = () => unreachable(node.name, where, "given up: cluster-exec is closing");
  if (signal?.aborted) throw gaveUp();
  const sock = await tcp(node.name, address, node.port, opts.connectTimeoutMs, signal, gaveUp);
  const client = new Client();
  let hostKeyError: ClusterError | undefined;
  const notes: string[] = [];
  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    const onAbort = () => fail(gaveUp());
    const fail = (err: ClusterError) => {
      if (settled) return;
      settled = true;
      clearTimeout(hardStop);
      signal?.removeEventListener("abort", onAbort);
      client.removeAllListeners("ready");
      client.on("error", () => {}); // late errors of a connection we gave up on
      client.destroy();
      sock.destroy();
      reject(err);
    };
    // ssh2's readyTimeout covers the handshake; this backs it up should the close never come.
    const hardStop = setTimeout(
      () =>
        fail(
          unreachable(node.name, where, `handshake timed out after ${opts.handshakeTimeoutMs} ms`),
        ),
      opts.handshakeTimeoutMs + 1000,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      clearTimeout(hardStop);
      signal?.removeEventListener("abort", onAbort);
      resolve(new SshConnection(node.name, client, sock, opts));
    });
    client.on("error", (err: Error & { level?: string }) => {
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      if (
        err.level === "agent" ||
        (err.level === "client-authentication" && !/All configured/.test(err.message))
      ) {
        notes.push(err.message); // ssh2 goes on with the next method
        return;
      }
      if (err.level === "client-authentication")
        return fail(
          new ClusterError(
            "AUTH_FAILED",
            `node ${node.name} (${where}) accepted none of: ${plan.offered.join(", ")}${notes.length ? ` (${notes.join("; ")})` : ""}`,
            { node: node.name, tried: plan.offered },
          ),
        );
      if (err.level === "client-timeout")
        return fail(
          unreachable(node.name, where, `handshake timed out after ${opts.handshakeTimeoutMs} ms`),
        );
      fail(unreachable(node.name, where, err.message));
    });
    client.on("close", () =>
      fail(hostKeyError ?? unreachable(node.name, where, "connection closed during the handshake")),
    );
    client.connect({
      sock,
      username: node.user,
      readyTimeout: opts.handshakeTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      authHandler: plan.methods,
      hostVerifier: (key: Buffer) => {
        try {
          const v = opts.knownHosts.check(node.name, key);
          if (v.verdict === "match") return true;
          if (v.verdict === "new") {
            opts.knownHosts.pin(node.name, key); // accept-new
            return true;
          }
          hostKeyError = hostKeyChangedError(node.name, v.pinned, key, opts.knownHosts.path);
        } catch (err) {
          hostKeyError = new ClusterError(
            "INTERNAL",
            `cannot check or pin the host key of node ${node.name} in ${opts.knownHosts.path}: ${(err as Error).message}`,
          );
        }
        return false;
      },
    });
  });
}

function unreachable(node: string, where: string, why: string): ClusterError {
  return new ClusterError("UNREACHABLE", `node ${node} (${where}) unreachable: ${why}`, {
    node,
    retryable: true,
  });
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is sshd running there?)",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  ECONNRESET: "connection reset",
};

function socketErrorText(err: NodeJS.ErrnoException): string {
  const known = err.code ? SOCKET_ERRORS[err.code] : undefined;
  return known ? `${known} [${err.code}]` : (err.code ?? err.message);
}

/** TCP connect with its own timeout (ssh2 has none separate from the handshake's). */
function tcp(
  node: string,
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  gaveUp: () => ClusterError,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    const end = (err?: ClusterError) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (!err) return;
      sock.destroy();
      reject(err);
    };
    const onAbort = () => end(gaveUp());
    const timer = setTimeout(
      () =>
        end(unreachable(node, `${host}:${port}`, `TCP connect timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once("connect", () => {
      end();
      sock.removeAllListeners("error");
      resolve(sock);
    });
    sock.once("error", (err: NodeJS.ErrnoException) =>
      end(unreachable(node, `${host}:${port}`, socketErrorText(err))),
    );
  });
}
