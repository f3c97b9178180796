// Which directories count as "the system" (read-only under every sandbox level), and which
// working directories a workspace sandbox refuses because making them writable would defeat it.

/** Read-only under `system` and `workspace`, on Linux and macOS alike (absent ones are skipped). */
export const SYSTEM_DIRS = [
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/usr",
  "/etc",
  "/boot",
  "/opt",
  // macOS
  "/System",
  "/Library",
  "/Applications",
  "/private/etc",
];

/** Kernel file systems: the sandbox brings its own /proc and /dev; /sys stays read-only. */
export const KERNEL_DIRS = ["/proc", "/dev", "/sys"];

/**
 * Why a workspace sandbox cannot make `dir` (an absolute, symlink-free path) its writable working
 * directory, or undefined when it can: the root, a system or kernel directory, or anything inside
 * one would turn "only the workspace is writable" into "the system is writable".
 */
export function workspaceRefusal(dir: string): string | undefined {
  if (dir === "/") return "the working directory is / (the whole file system)";
  const hit = [...SYSTEM_DIRS, ...KERNEL_DIRS].find((d) => dir === d || dir.startsWith(`${d}/`));
  return hit ? `the working directory ${dir} is inside the system directory ${hit}` : undefined;
}

/** The same test as a POSIX `case` pattern list (for the wrapper that runs on the node). */
export function workspaceRefusalPattern(): string {
  const dirs = [...SYSTEM_DIRS, ...KERNEL_DIRS];
  return ["/", ...dirs.flatMap((d) => [d, `${d}/*`])].join("|");
}

/** The reasons a wrapper reports in its status line when it refuses to start (nosb=N). */
export const REFUSAL = { noTool: 1, workspace: 2 } as const;

export function refusalMessage(code: number, node: string, cwd?: string): string {
  if (code === REFUSAL.workspace)
    return `sandbox workspace refused on ${node}: the working directory ${cwd ? JSON.stringify(cwd) : "(the login directory)"} is / or a system directory; give a project directory as cwd`;
  return `${node} has no sandbox (bwrap on Linux, sandbox-exec on macOS): the run was refused, nothing ran`;
}
