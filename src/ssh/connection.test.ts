// SshConnection's half-open check with a scripted ssh2 client: whether a channel open that got no
// reply may have sent the command (the netns tests in test/ssh/ cover the real connection).
import { expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Client } from "ssh2";
import { KnownHosts } from "../remote/host-keys.ts";
import { MaybeSentError, NotSentError, SshConnection } from "./connection.ts";

/** A client whose exec never calls back; `onExec` plays the bytes the node sent meanwhile. */
function silentConnection(onExec: (sock: { bytesRead: number }) => void) {
  const sock = Object.assign(new EventEmitter(), {
    bytesRead: 1000,
    destroyed: false,
    destroy() {
      this.destroyed = true;
    },
  });
  const client = Object.assign(new EventEmitter(), {
    exec: () => onExec(sock),
    destroy: () => {},
    end: () => {},
  });
  return new SshConnection("n1", client as unknown as Client, sock as unknown as Socket, {
    connectTimeoutMs: 100,
    handshakeTimeoutMs: 100,
    keepaliveIntervalMs: 0,
    keepaliveCountMax: 1,
    runSessions: 1,
    controlSessions: 1,
    knownHosts: new KnownHosts("/nonexistent/known_hosts"),
    auth: { home: "/nonexistent" },
  });
}

test("an open with no byte back at all: the command was certainly not sent", async () => {
  const conn = silentConnection(() => {});
  const err = await conn.exec("true", "run").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotSentError);
  expect(conn.alive).toBe(false);
});

test("bytes came back, then silence: the open may have been confirmed and the exec sent", async () => {
  // ssh2 sends the exec request as soon as it reads the open confirmation; if that was among the
  // bytes read, a retry on a new connection would run the command a second time.
  const conn = silentConnection((sock) => setTimeout(() => (sock.bytesRead += 52), 50));
  const err = await conn.exec("true", "run").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MaybeSentError);
  expect(conn.alive).toBe(false);
});
