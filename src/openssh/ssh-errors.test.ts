import { describe, expect, test } from "bun:test";
import { fingerprint } from "../remote/host-keys.ts";
import { classifySshFailure, type FailureContext } from "./ssh-errors.ts";

// A pinned ed25519 key (the blob of a real key) and what OpenSSH 9.2 printed when another came.
const PINNED_BLOB = "AAAAC3NzaC1lZDI1NTE5AAAAIJkh8zXfHKbQmcb6r7EbGIBFeB0AQImns6m1493m+eUd";
const ctx: FailureContext = {
  node: "n3",
  where: "ssh n3 → 10.250.1.13 via n1",
  pinned: { type: "ssh-ed25519", base64: PINNED_BLOB },
  knownHostsPath: "/state/known_hosts",
};
const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:3zCjnFiRqeXtzs4OaX1znk6iY21rd5B8Guk6JGSQIUE.
Please contact your system administrator.
Add correct host key in /state/known_hosts to get rid of this message.
Offending ED25519 key in /state/known_hosts:3
  remove with:
  ssh-keygen -f "/state/known_hosts" -R "n3"
Host key for n3 has changed and you have requested strict checking.
Host key verification failed.
`;

describe("ssh's failures before a command", () => {
  test("a changed host key: HOST_KEY_CHANGED with the pinned and the presented fingerprint", () => {
    const f = classifySshFailure(CHANGED, ctx, "connect");
    if (f?.kind !== "error") throw new Error("expected an error");
    expect(f.error.code).toBe("HOST_KEY_CHANGED");
    const oldFp = fingerprint(Buffer.from(PINNED_BLOB, "base64"));
    expect(f.error.message).toContain(`pinned ssh-ed25519 ${oldFp}`);
    expect(f.error.message).toContain(
      "now presented ssh-ed25519 SHA256:3zCjnFiRqeXtzs4OaX1znk6iY21rd5B8Guk6JGSQIUE",
    );
    expect(f.error.details).toMatchObject({ old_fingerprint: oldFp, node: "n3" });
  });

  test("a pinned key type the node no longer offers is a change too", () => {
    const text =
      "Unable to negotiate with 10.250.1.13 port 22: no matching host key type found. Their offer: ecdsa-sha2-nistp256\n";
    const f = classifySshFailure(text, ctx, "connect");
    expect(f?.kind === "error" && f.error.code).toBe("HOST_KEY_CHANGED");
  });

  test("keys refused: AUTH_FAILED; nothing answering: UNREACHABLE and retryable", () => {
    const denied = classifySshFailure(
      "cetest@10.250.0.12: Permission denied (publickey).\n",
      ctx,
      "connect",
    );
    expect(denied?.kind === "error" && denied.error.code).toBe("AUTH_FAILED");
    for (const text of [
      "kex_exchange_identification: Connection closed by remote host\n",
      "ssh: connect to host 10.250.0.11 port 22: Connection refused\n",
      "channel 0: open failed: connect failed: No route to host\nstdio forwarding failed\n",
      "ssh: Could not resolve hostname nowhere: Name or service not known\n",
      "mux_client_hello_exchange: write packet: Broken pipe\n", // the master went away first
    ]) {
      const f = classifySshFailure(text, ctx, "session");
      if (f?.kind !== "error") throw new Error(`not classified: ${text}`);
      expect(f.error.code).toBe("UNREACHABLE");
      expect(f.error.details.retryable).toBe(true);
      expect(f.error.message).toContain("node n3 (ssh n3 → 10.250.1.13 via n1)");
    }
  });

  test("a refused session is asked again; a connection broken later may have sent the command", () => {
    expect(
      classifySshFailure(
        "mux_client_request_session: session request failed: Session open refused by peer\n",
        ctx,
        "session",
      )?.kind,
    ).toBe("refused");
    const broken = "Connection to 10.250.0.11 closed by remote host.\n";
    expect(classifySshFailure(broken, ctx, "session")).toBeUndefined();
    expect(
      classifySshFailure("client_loop: send disconnect: Broken pipe\n", ctx, "session"),
    ).toBeUndefined();
    const atConnect = classifySshFailure(broken, ctx, "connect");
    expect(atConnect?.kind === "error" && atConnect.error.details.retryable).toBe(true);
  });

  test("a bad ssh config: CONFIG_INVALID", () => {
    const f = classifySshFailure(
      "/home/u/.ssh/config: line 3: Bad configuration option: proxyjumpp\n/home/u/.ssh/config: terminating, 1 bad configuration options\n",
      ctx,
      "connect",
    );
    expect(f?.kind === "error" && f.error.code).toBe("CONFIG_INVALID");
  });
});
