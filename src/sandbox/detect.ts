// What this machine can sandbox with: bwrap that really starts a sandbox here (user namespaces may
// be disabled, or forbidden by AppArmor), else macOS sandbox-exec, else none. The probe reports it;
// the POSIX probe script asks the same question on nodes without the binary.
import { existsSync } from "node:fs";
import { SANDBOX_EXEC } from "./launch.ts";
import type { SandboxTool } from "./levels.ts";

/** The smallest sandbox the launch lines build: it fails where theirs would. */
const BWRAP_TRY = [
  "--ro-bind",
  "/",
  "/",
  "--dev",
  "/dev",
  "--proc",
  "/proc",
  "--unshare-pid",
  "--die-with-parent",
  "--cap-drop",
  "ALL",
  "--",
  "true",
];

let cached: SandboxTool | undefined;

/** Tried once per process (a bwrap start costs a few ms). */
export function detectSandboxTool(): SandboxTool {
  cached ??= detect();
  return cached;
}

function detect(): SandboxTool {
  if (process.platform === "darwin") return existsSync(SANDBOX_EXEC) ? "sandbox-exec" : "none";
  const bwrap = Bun.which("bwrap");
  if (!bwrap) return "none";
  try {
    const r = Bun.spawnSync([bwrap, ...BWRAP_TRY], { stdout: "ignore", stderr: "ignore" });
    return r.exitCode === 0 ? "bwrap" : "none";
  } catch {
    return "none";
  }
}

/** The same test in POSIX sh, for the remote probe script: prints bwrap, sandbox-exec or none. */
export const SANDBOX_PROBE_SCRIPT = `if command -v bwrap >/dev/null 2>&1 && bwrap ${BWRAP_TRY.join(" ")} >/dev/null 2>&1; then echo bwrap
elif [ -x ${SANDBOX_EXEC} ]; then echo sandbox-exec
else echo none; fi`;
