// Which transport reaches a node (pure): the configured one, or for `auto` what `ssh -G` shows —
// openssh as soon as the ssh config asks for anything the in-process ssh2 client cannot honour.
import { join } from "node:path";
import type { NodeConfig } from "../config/load.ts";
import { first, type SshConfigView } from "./ssh-config.ts";

export interface TransportChoice {
  transport: "ssh2" | "openssh";
  /** Why, in words (cluster-status shows it). */
  reason: string;
  /** For openssh: where ssh itself connects, e.g. "10.250.1.14 via n1". */
  address?: string;
}

/** ssh's default identity files (what `ssh -G` lists when the config names none). */
const DEFAULT_KEYS = [
  "id_rsa",
  "id_ecdsa",
  "id_ecdsa_sk",
  "id_ed25519",
  "id_ed25519_sk",
  "id_xmss",
  "id_dsa",
];

export interface ChoiceEnv {
  home: string;
  ssh_auth_sock?: string;
}

/** Where ssh connects for an openssh node: its HostName, and the jump hosts on the way. */
export function sshAddress(view: SshConfigView): string | undefined {
  const host = first(view, "hostname");
  const jump = first(view, "proxyjump");
  const proxy = first(view, "proxycommand");
  if (!host) return undefined;
  if (jump && jump !== "none") return `${host} via ${jump}`;
  if (proxy && proxy !== "none") return `${host} via ProxyCommand`;
  return host;
}

/**
 * What in the ssh config ssh2 cannot honour, one short phrase each (empty: ssh2 can do it all).
 * ssh2 connects to the node's host name (through mDNS/DNS/fallback ip) as node.user on node.port
 * with identity_file, the agent at $SSH_AUTH_SOCK or the usual ~/.ssh keys, and nothing else.
 */
export function openSshOnly(node: NodeConfig, view: SshConfigView, env: ChoiceEnv): string[] {
  const found: string[] = [];
  const set = (key: string, ignore: string[] = ["none"]) => {
    const v = first(view, key);
    return v !== undefined && v !== "" && !ignore.includes(v) ? v : undefined;
  };
  const jump = set("proxyjump");
  if (jump) found.push(`proxyjump ${jump}`);
  const proxy = set("proxycommand");
  if (proxy) found.push(`proxycommand ${proxy}`);
  for (const cert of view.get("certificatefile") ?? []) found.push(`certificatefile ${cert}`);
  const pkcs11 = set("pkcs11provider");
  if (pkcs11) found.push(`pkcs11provider ${pkcs11}`);
  const sk = set("securitykeyprovider", ["none", "internal"]);
  if (sk) found.push(`securitykeyprovider ${sk}`);
  const agent = set("identityagent", ["SSH_AUTH_SOCK", "$SSH_AUTH_SOCK"]);
  if (agent && agent !== env.ssh_auth_sock) found.push(`identityagent ${agent}`);
  const hostname = first(view, "hostname");
  if (hostname && hostname.toLowerCase() !== node.host.toLowerCase())
    found.push(`hostname ${hostname}`);
  const user = first(view, "user");
  if (user && user !== node.user) found.push(`user ${user}`);
  const port = first(view, "port");
  if (port && Number(port) !== node.port) found.push(`port ${port}`);
  const ours = new Set([
    ...DEFAULT_KEYS.flatMap((k) => [`~/.ssh/${k}`, join(env.home, ".ssh", k)]),
    ...(node.identity_file ? [node.identity_file] : []),
  ]);
  for (const key of view.get("identityfile") ?? [])
    if (!ours.has(key) && !ours.has(key.replace(/^~(?=\/)/, env.home)))
      found.push(`identityfile ${key}`);
  return found;
}

/**
 * The transport for a node. `view` is `ssh -G`'s answer (an Error when ssh could not be asked);
 * it is needed only for `auto`.
 */
export function chooseTransport(
  node: NodeConfig,
  view: SshConfigView | Error | undefined,
  env: ChoiceEnv,
): TransportChoice {
  const configured = node.transport ?? "auto";
  const address = view instanceof Map ? sshAddress(view) : undefined;
  if (configured === "ssh2") return { transport: "ssh2", reason: "transport = ssh2 (configured)" };
  if (configured === "openssh")
    return { transport: "openssh", reason: "transport = openssh (configured)", address };
  if (!(view instanceof Map))
    return {
      transport: "ssh2",
      reason: `auto: ssh2, since ssh -G could not be asked (${view?.message ?? "no answer"})`,
    };
  const found = openSshOnly(node, view, env);
  if (found.length === 0)
    return {
      transport: "ssh2",
      reason: `auto: ssh -G ${node.host} shows nothing ssh2 cannot honour`,
    };
  return {
    transport: "openssh",
    reason: `auto: ssh -G ${node.host} says ${found.join(", ")}`,
    address,
  };
}
