// SSH authentication plan for a node: identity_file, ssh-agent, the usual ~/.ssh keys. Never prompts.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type AnyAuthMethod, type ParsedKey, utils } from "ssh2";
import type { NodeConfig, Settings } from "../config/load.ts";
import { ClusterError } from "../errors.ts";

export const DEFAULT_KEY_NAMES = ["id_ed25519", "id_ecdsa", "id_rsa"];

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** What will be offered, for error messages: "identity_file /k", "ssh-agent (/run/agent.sock)". */
  offered: string[];
}

/**
 * Order: the configured identity_file (node, else [defaults]), then the agent, then — only when no
 * identity_file is configured — ~/.ssh/id_ed25519, id_ecdsa, id_rsa. Encrypted keys are skipped
 * (no prompt, ever: load them into ssh-agent). Nothing usable → AUTH_FAILED naming what was tried.
 */
export function planAuth(
  node: Pick<NodeConfig, "name" | "user" | "identity_file">,
  settings: Pick<Settings, "ssh_auth_sock" | "home">,
): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const offered: string[] = [];
  const skipped: string[] = [];
  const addKey = (path: string, label: string) => {
    const key = readKey(path);
    if (typeof key === "string") skipped.push(`${label} ${path} (${key})`);
    else {
      methods.push({ type: "publickey", username: node.user, key });
      offered.push(`${label} ${path}`);
    }
  };
  if (node.identity_file) addKey(node.identity_file, "identity_file");
  if (settings.ssh_auth_sock) {
    methods.push({ type: "agent", username: node.user, agent: settings.ssh_auth_sock });
    offered.push(`ssh-agent (${settings.ssh_auth_sock})`);
  } else skipped.push("ssh-agent (SSH_AUTH_SOCK not set)");
  if (!node.identity_file) {
    for (const name of DEFAULT_KEY_NAMES) {
      const path = join(settings.home, ".ssh", name);
      if (exists(path)) addKey(path, "key");
      else skipped.push(`key ${path} (missing)`);
    }
  }
  if (methods.length === 0)
    throw new ClusterError(
      "AUTH_FAILED",
      `no usable SSH key for node ${node.name}: tried ${skipped.join(", ")}. ` +
        "Set identity_file (in [defaults] or the node), or start ssh-agent and set SSH_AUTH_SOCK.",
      { node: node.name, tried: skipped },
    );
  return { methods, offered: [...offered, ...skipped.map((s) => `not ${s}`)] };
}

/** A parsed private key, or why it cannot be used without a prompt. */
function readKey(path: string): ParsedKey | string {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "missing" : `unreadable: ${code ?? (err as Error).message}`;
  }
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error)
    return /passphrase/i.test(parsed.message)
      ? "encrypted; load it into ssh-agent"
      : `not a private key: ${parsed.message}`;
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  // ssh2 would only skip it at authentication, and the node would seem to refuse a good key.
  return key.isPrivateKey() ? key : "a public key; identity_file names the private key";
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
