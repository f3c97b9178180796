// The state directory: created 0700 on first use; a path that cannot be one is a config error.
import { mkdirSync } from "node:fs";
import { ClusterError } from "../errors.ts";

export function ensureDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EEXIST" || e.code === "ENOTDIR" ? "a file is in the way" : e.message;
    throw new ClusterError(
      "CONFIG_INVALID",
      `state_dir ${JSON.stringify(dir)}: ${why}; expected a writable directory (set CLUSTER_STATE_DIR)`,
      { path: dir },
    );
  }
  return dir;
}
