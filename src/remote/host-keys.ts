// Host keys pinned by node name (not address: addresses come and go with mDNS), accept-new.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ClusterError } from "../errors.ts";
import { ensureDir } from "../state/dir.ts";

/** One line per node: `NAME KEYTYPE BASE64KEY`. `#` comments and blank lines are ignored. */
export function knownHostsPath(stateDir: string): string {
  return join(stateDir, "known_hosts");
}

export interface PinnedKey {
  type: string;
  base64: string;
}

export type HostKeyVerdict =
  | { verdict: "match" }
  | { verdict: "new" }
  | { verdict: "changed"; pinned: PinnedKey };

/** SHA256 fingerprint as OpenSSH prints it: base64 of the digest of the key blob, unpadded. */
export function fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named at the start of an SSH wire-format public key blob. */
export function keyType(blob: Uint8Array): string {
  if (blob.length < 4) return "unknown";
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
  if (len > 64 || 4 + len > blob.length) return "unknown";
  return new TextDecoder().decode(blob.subarray(4, 4 + len));
}

export class KnownHosts {
  constructor(readonly path: string) {}

  /** The key pinned for a node (the first line wins when a race wrote two). */
  lookup(node: string): PinnedKey | undefined {
    for (const [name, type, base64] of this.entries()) {
      if (name === node) return { type, base64 };
    }
    return undefined;
  }

  check(node: string, blob: Uint8Array): HostKeyVerdict {
    const pinned = this.lookup(node);
    if (!pinned) return { verdict: "new" };
    return pinned.base64 === Buffer.from(blob).toString("base64")
      ? { verdict: "match" }
      : { verdict: "changed", pinned };
  }

  /** accept-new: appends the key (one small O_APPEND write, safe with concurrent processes). */
  pin(node: string, blob: Uint8Array): void {
    ensureDir(dirname(this.path));
    const line = `${node} ${keyType(blob)} ${Buffer.from(blob).toString("base64")}\n`;
    appendFileSync(this.path, line, { mode: 0o600 });
  }

  /** Removes every key of a node; false when none was pinned. */
  forget(node: string): boolean {
    if (!existsSync(this.path)) return false;
    const lines = readFileSync(this.path, "utf8").split("\n");
    const kept = lines.filter((l) => l.trim().split(/\s+/)[0] !== node);
    if (kept.length === lines.length) return false;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, kept.join("\n"), { mode: 0o600 });
    renameSync(tmp, this.path);
    return true;
  }

  private entries(): [string, string, string][] {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      // Only a missing file means nothing is pinned: taking an unreadable one for empty would
      // accept (and pin) whatever key a node presents, a changed one included.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: [string, string, string][] = [];
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) continue;
      const [name, type, base64] = t.split(/\s+/);
      if (name && type && base64) out.push([name, type, base64]);
    }
    return out;
  }
}

export function hostKeyChangedError(
  node: string,
  pinned: PinnedKey,
  blob: Uint8Array,
  path: string,
): ClusterError {
  return hostKeyChanged(
    node,
    pinned,
    { type: keyType(blob), fingerprint: fingerprint(blob) },
    path,
  );
}

/** HOST_KEY_CHANGED with the pinned and the presented key's fingerprints (any transport). */
export function hostKeyChanged(
  node: string,
  pinned: PinnedKey,
  presented: { type: string; fingerprint: string },
  path: string,
): ClusterError {
  const oldFp = fingerprint(Buffer.from(pinned.base64, "base64"));
  const newFp = presented.fingerprint;
  return new ClusterError(
    "HOST_KEY_CHANGED",
    `host key of node ${node} changed: pinned ${pinned.type} ${oldFp}, now presented ${presented.type} ${newFp}. ` +
      "Nothing was run. If the node was reinstalled or its key rotated on purpose, run " +
      `\`cluster-exec forget-host ${node}\` (pins are in ${path}); otherwise someone may be intercepting the connection.`,
    { node, old_fingerprint: oldFp, new_fingerprint: newFp, known_hosts: path },
  );
}
