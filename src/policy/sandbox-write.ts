// Where a node's sandbox level lets put_file write: what a command run there could write.
// `system`: nothing inside the system directories; `workspace`: only the working directory a run
// without a cwd gets (the home), the temp directory and the node's `writable` paths.
import { normalisePath } from "../shell/paths.ts";

export interface SandboxFacts {
  level: string;
  /** The node user's home, absolute (a run's working directory when none is given). */
  home: string;
  /** The node's `writable` setting; `~/` is the home. */
  writable: readonly string[];
  /** Read-only under every level (the sandbox's own table). */
  systemDirs: readonly string[];
}

/** The sandbox makes $TMPDIR writable, else /tmp; put_file cannot know a run's $TMPDIR. */
const TEMP_DIRS = ["/tmp", "/private/tmp"];

const inside = (path: string, dir: string) =>
  path === dir || path.startsWith(`${dir.replace(/\/$/, "")}/`);

/** The refusal of writing `path` (absolute, resolved on the node) under the node's sandbox, if any. */
export function sandboxWriteRefusal(
  path: string,
  f: SandboxFacts,
): { rule: string; message: string } | undefined {
  if (f.level !== "system" && f.level !== "workspace") return undefined;
  const p = normalisePath(path);
  const system = f.systemDirs.find((d) => inside(p, d));
  if (system)
    return {
      rule: "sandbox",
      message: `the node runs commands in a "${f.level}" sandbox, where ${system} is read-only; ${p} is inside it`,
    };
  if (f.level === "system") return undefined;
  const roots = [
    f.home,
    ...TEMP_DIRS,
    ...f.writable.map((w) =>
      w === "~" ? f.home : w.startsWith("~/") ? `${f.home}/${w.slice(2)}` : w,
    ),
  ].map(normalisePath);
  if (roots.some((r) => inside(p, r))) return undefined;
  return {
    rule: "sandbox",
    message: `the node runs commands in a "workspace" sandbox: only ${roots.join(", ")} are writable there, and ${p} is in none of them`,
  };
}
