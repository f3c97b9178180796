// What `ssh` said when it failed before a command ran, as one ClusterError: the same codes (and for
// a changed host key the same two fingerprints) as the ssh2 transport gives.
import { ClusterError } from "../errors.ts";
import { hostKeyChanged, type PinnedKey } from "../remote/host-keys.ts";

export type SshFailure =
  /** The node (or master) refused a new session for now: nothing ran; ask again shortly. */
  | { kind: "refused"; text: string }
  /** Certainly before the command: an error, retryable when details.retryable. */
  | { kind: "error"; error: ClusterError };

export interface FailureContext {
  node: string;
  /** "ssh n4 (10.250.1.14 via n1)": how the node was addressed. */
  where: string;
  pinned?: PinnedKey;
  knownHostsPath: string;
}

const OPENSSH_KEY_TYPES: Record<string, string> = {
  ED25519: "ssh-ed25519",
  RSA: "ssh-rsa",
  DSA: "ssh-dss",
};

/** ssh's messages without the noise of warnings banners, on one line. */
export function sshMessage(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^@+$/.test(l) && !l.startsWith("@ "))
    .join("; ")
    .slice(0, 600);
}

/**
 * Reads ssh's stderr after it exited 255 without starting the command. undefined: nothing
 * recognised as "before the command" (the caller must then assume it may have been sent).
 * "connect": a master connecting (nothing is ever sent). "session": a session that may have been
 * sent, so only what certainly happens before it counts (a refused session; a failed direct
 * connect when the master had gone), never a connection that broke later.
 */
export function classifySshFailure(
  stderr: string,
  ctx: FailureContext,
  phase: "connect" | "session",
): SshFailure | undefined {
  const text = sshMessage(stderr);
  const fail = (code: ClusterError["code"], message: string, retryable = false): SshFailure => ({
    kind: "error",
    error: new ClusterError(code, message, { node: ctx.node, retryable }),
  });
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(stderr)) {
    const m =
      /fingerprint for the (\S+) key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/=]+)/.exec(
        stderr,
      );
    if (ctx.pinned && m)
      return {
        kind: "error",
        error: hostKeyChanged(
          ctx.node,
          ctx.pinned,
          {
            type: OPENSSH_KEY_TYPES[m[1] as string] ?? (m[1] as string),
            fingerprint: m[2] as string,
          },
          ctx.knownHostsPath,
        ),
      };
    return fail("HOST_KEY_CHANGED", `host key of node ${ctx.node} changed (${ctx.where}): ${text}`);
  }
  if (/no matching host key type found/.test(stderr) && ctx.pinned)
    return fail(
      "HOST_KEY_CHANGED",
      `host key of node ${ctx.node} changed: pinned ${ctx.pinned.type}, but the node no longer offers that type (${text}). ` +
        `Nothing was run. If that is on purpose, run \`cluster-exec forget-host ${ctx.node}\` (pins are in ${ctx.knownHostsPath}).`,
    );
  if (/Host key verification failed/.test(stderr))
    return fail(
      "UNREACHABLE",
      `node ${ctx.node} (${ctx.where}): ssh refused a host key: ${text} (a jump host's key is checked against your own known_hosts, as plain ssh would)`,
    );
  if (/Permission denied \(|Too many authentication failures|no mutual signature/.test(stderr))
    return fail(
      "AUTH_FAILED",
      `node ${ctx.node} (${ctx.where}) accepted none of the keys ssh offered: ${text}`,
    );
  if (
    /session request failed|Session open refused|open failed: .*(administratively|resource)/i.test(
      stderr,
    )
  )
    return { kind: "refused", text };
  if (
    /Bad configuration option|Unsupported option|Can't open user config|Bad owner or permissions|terminating, \d+ bad configuration/.test(
      stderr,
    )
  )
    return fail("CONFIG_INVALID", `node ${ctx.node}: ssh rejects its configuration: ${text}`);
  const beforeAuth =
    /Could not resolve hostname|Name or service not known|Connection refused|Connection timed out|timed out during banner exchange|No route to host|Network is unreachable|Connection closed by \S+ port|kex_exchange_identification|connect failed|stdio forwarding failed|ControlPath too long|mux_client_hello_exchange/;
  const anyBreak = /Connection reset|Broken pipe|Connection to .* closed|closed by remote host/;
  if (beforeAuth.test(stderr) || (phase === "connect" && anyBreak.test(stderr)))
    return fail("UNREACHABLE", `node ${ctx.node} (${ctx.where}) unreachable: ${text}`, true);
  return undefined;
}
