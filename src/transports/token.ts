// The HTTP bearer token: CLUSTER_HTTP_TOKEN, else one generated once into a 0600 file.
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";
import { ensureDir } from "../state/dir.ts";

export interface TokenSource {
  token: string;
  /** "CLUSTER_HTTP_TOKEN" or the file it was read from / written to. */
  from: string;
  created: boolean;
}

const MIN_LENGTH = 16;

export function loadOrCreateToken(stateDir: string, configured?: string): TokenSource {
  if (configured) return { token: configured, from: "CLUSTER_HTTP_TOKEN", created: false };
  const path = join(stateDir, "http-token");
  ensureDir(stateDir);
  // Written aside, then linked into place (fails if it exists): two servers starting at once
  // agree on one token, and neither reads a file the other has created but not yet written.
  const token = randomBytes(32).toString("base64url");
  const aside = `${path}.${randomBytes(6).toString("hex")}`;
  writeFileSync(aside, `${token}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(aside, path);
    return { token, from: path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  // A token others could read is no secret: tighten it rather than serve with it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const saved = readFileSync(path, "utf8").trim();
  if (saved.length < MIN_LENGTH)
    throw new ClusterError(
      "CONFIG_INVALID",
      `${path}: token of ${saved.length} characters, expected at least ${MIN_LENGTH}; delete the file to generate a new one`,
    );
  return { token: saved, from: path, created: false };
}
