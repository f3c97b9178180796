// `config check` looks at the identity files it is given: one that is missing, unreadable, or a
// public key instead of the private key would only fail later, at the first connection.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { Config } from "./load.ts";

const PUBLIC_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-|sk-(ssh-ed25519|ecdsa-sha2-)|---- BEGIN SSH2 PUBLIC KEY)/;

/** Every problem with the identity files of the configuration, naming the key and the file. */
export function identityFileProblems(config: Config): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string | undefined>();
  const check = (key: string, path: string | undefined) => {
    if (!path) return;
    if (!seen.has(path)) seen.set(path, problemWith(path));
    const problem = seen.get(path);
    if (problem) problems.push(`${key}: ${JSON.stringify(path)} ${problem}`);
  };
  check("defaults.identity_file", config.settings.identity_file);
  for (const node of Object.values(config.nodes))
    if (node.identity_file !== config.settings.identity_file)
      check(`nodes.${node.name}.identity_file`, node.identity_file);
  return problems;
}

function problemWith(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return "is not a file; expected an SSH private key file";
  } catch {
    return "does not exist; expected an SSH private key file";
  }
  let head: string;
  try {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(64);
      head = buf.toString("utf8", 0, readSync(fd, buf, 0, 64, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); expected a private key this user can read`;
  }
  if (PUBLIC_KEY.test(head.trimStart()))
    return `is a public key; expected the private key (${path.replace(/\.pub$/, "")}?)`;
  return undefined;
}
