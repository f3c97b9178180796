// Where the ControlMaster sockets live: <state_dir>/cm, unless that path is too long for a unix
// socket (104 bytes on macOS, and ssh adds 17 while binding), then a short private directory.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";
import { ensureDir } from "../state/dir.ts";

/** Longest socket path: sun_path (104 on macOS) minus ssh's ".XXXXXXXXXXXXXXXX" while binding. */
export const MAX_SOCKET_PATH = 104 - 17 - 1;
/** `%C` expands to 40 hex characters. */
const HASH_LENGTH = 40;

/** The directory for `%C` sockets: the state directory's, or /tmp/cluster-exec-UID-HASH. */
export function controlDir(stateDir: string, uid = process.getuid?.() ?? 0): string {
  const preferred = join(stateDir, "cm");
  if (preferred.length + 1 + HASH_LENGTH <= MAX_SOCKET_PATH) return preferred;
  const tag = createHash("sha256").update(stateDir).digest("hex").slice(0, 8);
  return join("/tmp", `cluster-exec-${uid}-${tag}`);
}

/** Creates the directory (0700) and refuses one that someone else owns or others may enter. */
export function ensureControlDir(dir: string, uid = process.getuid?.() ?? 0): string {
  ensureDir(dir);
  const st = statSync(dir);
  if (st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new ClusterError(
      "CONFIG_INVALID",
      `ControlMaster directory ${dir}: owned by uid ${st.uid} with mode ${(st.mode & 0o777).toString(8)}; expected this user's (uid ${uid}) and 700`,
      { path: dir },
    );
  return dir;
}
