// The `ssh` command line for a node: the user's ssh config decides where and how to connect; these
// options add what cluster-exec guarantees on every transport (never a prompt, host keys pinned by
// node name in the state directory, accept-new, keepalives) and the shared ControlMaster socket.
import type { NodeConfig } from "../config/load.ts";

export interface SshArgvOptions {
  /** `ssh -F FILE`; undefined: ssh's own (~/.ssh/config, /etc/ssh/ssh_config). */
  sshConfig?: string;
  knownHostsPath: string;
  /** ControlPath, `%C` allowed (ssh expands it the same way for master and clients). */
  controlPath: string;
  connectTimeoutS: number;
  keepaliveS: number;
  /** The key type pinned for the node: only that type may be negotiated (a new type is a change). */
  pinnedKeyType?: string;
}

/** Unanswered keepalives before a connection counts as dead (as in the ssh2 pool). */
export const KEEPALIVE_COUNT_MAX = 3;

/** Every option before the destination; the destination is `node.host` (an alias of the ssh config, or a name). */
export function sshOptions(node: NodeConfig, o: SshArgvOptions): string[] {
  const args: string[] = [];
  if (o.sshConfig) args.push("-F", o.sshConfig);
  // Only what was configured: otherwise the ssh config's User / Port (or ssh's defaults) apply.
  if (node.explicit?.user ?? true) args.push("-l", node.user);
  if (node.explicit?.port ?? true) args.push("-p", String(node.port));
  if (node.identity_file) args.push("-i", node.identity_file);
  const opt = (k: string, v: string) => args.push("-o", `${k}=${v}`);
  opt("BatchMode", "yes");
  opt("ConnectTimeout", String(Math.max(1, Math.ceil(o.connectTimeoutS))));
  opt("ServerAliveInterval", String(Math.max(1, Math.ceil(o.keepaliveS))));
  opt("ServerAliveCountMax", String(KEEPALIVE_COUNT_MAX));
  opt("HostKeyAlias", node.name);
  opt("UserKnownHostsFile", quoteOption(o.knownHostsPath));
  opt("GlobalKnownHostsFile", "/dev/null");
  opt("StrictHostKeyChecking", "accept-new");
  // The file is shared with the ssh2 transport, which reads plain `NAME TYPE KEY` lines.
  opt("HashKnownHosts", "no");
  opt("UpdateHostKeys", "no");
  opt("CheckHostIP", "no");
  if (o.pinnedKeyType) opt("HostKeyAlgorithms", hostKeyAlgorithms(o.pinnedKeyType));
  opt("ControlPath", quoteOption(o.controlPath));
  // A forwarding in the user's config would be set up by every master (and fail in the second).
  opt("ClearAllForwardings", "yes");
  opt("ForwardX11", "no");
  opt("PermitLocalCommand", "no");
  opt("LogLevel", "ERROR");
  args.push("-T");
  return args;
}

/** The algorithms that present a key of this type (an RSA key is offered under three names). */
export function hostKeyAlgorithms(keyType: string): string {
  return keyType === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : keyType;
}

/** ssh splits some option values (file lists) at spaces: quote a path that has any. */
function quoteOption(path: string): string {
  return /[\s"]/.test(path) ? `"${path.replaceAll('"', '\\"')}"` : path;
}

/** A run, probe or kill session over the node's ControlMaster; `remote` is the one string for the login shell. */
export function sessionArgv(
  ssh: string,
  node: NodeConfig,
  o: SshArgvOptions,
  remote: string,
  withStdin = false,
): string[] {
  // -n: stdin from /dev/null, as a run's stdin is closed; the agent's channel needs it open.
  const stdin = withStdin ? [] : ["-n"];
  return [ssh, ...sshOptions(node, o), "-o", "ControlMaster=no", ...stdin, node.host, remote];
}

/** A subsystem (`sftp`) over the node's ControlMaster; its stdin and stdout carry the protocol. */
export function subsystemArgv(
  ssh: string,
  node: NodeConfig,
  o: SshArgvOptions,
  subsystem: string,
): string[] {
  return [ssh, ...sshOptions(node, o), "-o", "ControlMaster=no", "-s", node.host, subsystem];
}

/** The master: connects, authenticates, then puts itself in the background (ControlPersist). */
export function masterArgv(
  ssh: string,
  node: NodeConfig,
  o: SshArgvOptions,
  persistS: number,
): string[] {
  return [
    ssh,
    ...sshOptions(node, o),
    "-o",
    "ControlMaster=yes",
    "-o",
    `ControlPersist=${Math.max(1, Math.round(persistS))}`,
    "-N",
    node.host,
  ];
}

/** `ssh -O check|stop` addressed to the node's master. */
export function controlArgv(
  ssh: string,
  node: NodeConfig,
  o: SshArgvOptions,
  command: "check" | "stop" | "exit",
): string[] {
  return [ssh, ...sshOptions(node, o), "-O", command, node.host];
}

/** `ssh -G`: what ssh would do for the node, with the very options every connection uses. */
export function configArgv(ssh: string, node: NodeConfig, o: SshArgvOptions): string[] {
  return [ssh, ...sshOptions(node, o), "-G", node.host];
}
