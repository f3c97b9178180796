// What this machine can sandbox with: bwrap that really starts a sandbox here (user namespaces may
// be disabled, or forbidden by AppArmor), else macOS sandbox-exec, else none. The probe reports it;
// the POSIX probe script asks the same question on nodes without the binary.
import { existsSync } from "node:fs";
import { BWRAP_PATHS, FIND_BWRAP, PROC_LINES, SANDBOX_EXEC } from "./launch.ts";
import type { SandboxTool } from "./levels.ts";

/** The smallest sandbox the launch lines build (own /proc, else the host's bound read-only). */
const BWRAP_BASE = ["--ro-bind", "/", "/", "--dev", "/dev"];
const BWRAP_TAIL = ["--unshare-pid", "--die-with-parent", "--cap-drop", "ALL", "--", "true"];
const BWRAP_TRIES = [
  [...BWRAP_BASE, "--proc", "/proc", ...BWRAP_TAIL],
  [...BWRAP_BASE, "--ro-bind", "/proc", "/proc", ...BWRAP_TAIL],
];

let cached: SandboxTool | undefined;

/** Tried once per process (a bwrap start costs a few ms). */
export function detectSandboxTool(): SandboxTool {
  cached ??= detect();
  return cached;
}

function detect(): SandboxTool {
  if (process.platform === "darwin") return existsSync(SANDBOX_EXEC) ? "sandbox-exec" : "none";
  const bwrap = BWRAP_PATHS.find((p) => existsSync(p));
  if (!bwrap) return "none";
  for (const args of BWRAP_TRIES) {
    try {
      const r = Bun.spawnSync([bwrap, ...args], { stdout: "ignore", stderr: "ignore" });
      if (r.exitCode === 0) return "bwrap";
    } catch {
      // not startable: try the next form, then give up
    }
  }
  return "none";
}

/**
 * The same test in POSIX sh, for the remote probe script: prints bwrap, sandbox-exec or none. One
 * bwrap start (a few ms, every sampling period), its /proc chosen as the launch lines choose it.
 */
export const SANDBOX_PROBE_SCRIPT = [
  FIND_BWRAP,
  'if [ -n "$cx_bw" ]; then',
  "set --",
  ...PROC_LINES,
  `if "$cx_bw" ${BWRAP_BASE.join(" ")} "$@" ${BWRAP_TAIL.join(" ")} >/dev/null 2>&1; then echo bwrap; else echo none; fi`,
  `elif [ -x ${SANDBOX_EXEC} ]; then echo sandbox-exec`,
  "else echo none; fi",
].join("\n");
