// The HTTP bearer token: CLUSTER_HTTP_TOKEN, else one generated once into a 0600 file.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensureDir } from "../state/dir.ts";

export interface TokenSource {
  token: string;
  /** "CLUSTER_HTTP_TOKEN" or the file it was read from / written to. */
  from: string;
  created: boolean;
}

export function loadOrCreateToken(stateDir: string, configured?: string): TokenSource {
  if (configured) return { token: configured, from: "CLUSTER_HTTP_TOKEN", created: false };
  const path = join(stateDir, "http-token");
  ensureDir(stateDir);
  try {
    const fd = openSync(path, "wx", 0o600); // O_EXCL: two servers starting at once agree on one token
    const token = randomBytes(32).toString("base64url");
    writeSync(fd, `${token}\n`);
    closeSync(fd);
    return { token, from: path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // A token others could read is no secret: tighten it rather than serve with it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const token = readFileSync(path, "utf8").trim();
  if (token.length < 16)
    throw new Error(`${path}: token too short; delete the file to generate a new one`);
  return { token, from: path, created: false };
}
