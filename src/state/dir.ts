// The state directory: created 0700 on first use, and an existing one (an older install, a shared
// AGENTIC_SYSTEM_PATH) tightened: directories 0700, files 0600 — it holds every command line run.
// A path that cannot be one is a config error.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Directories checked by this process: the check runs once per directory. */
const checked = new Set<string>();

export function ensureDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EEXIST" || e.code === "ENOTDIR" ? "a file is in the way" : e.message;
    throw new ClusterError(
      "CONFIG_INVALID",
      `state_dir ${JSON.stringify(dir)}: ${why}; expected a writable directory (set CLUSTER_STATE_DIR)`,
      { path: dir },
    );
  }
  if (!checked.has(dir)) {
    tighten(dir, 2);
    checked.add(dir);
  }
  return dir;
}

/**
 * Group and other lose every permission on PATH; a directory that was open to them has what it
 * holds tightened too (DEPTH levels down). Files this program creates are 0600 from the start,
 * so a 0700 directory is not walked again.
 */
export function tighten(path: string, depth: number): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return; // gone meanwhile (a pruned task file)
  }
  if (stat.isSymbolicLink()) return; // never follow a link out of the state directory
  const dir = stat.isDirectory();
  if ((stat.mode & 0o077) === 0) return;
  try {
    chmodSync(path, dir ? DIR_MODE : FILE_MODE);
  } catch {
    // not ours (another user's file in a shared directory): leave it, the directory is 0700
  }
  if (!dir || depth <= 0) return;
  for (const name of readdirSync(path)) tighten(join(path, name), depth - 1);
}
