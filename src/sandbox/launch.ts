// The sandbox as POSIX shell lines, the same for every transport: the local executor runs them
// with /bin/sh, the remote wrapper (ssh2, OpenSSH) embeds them. Paths only the running machine
// knows (working directory, $TMPDIR, $HOME) are read there, at run time.
//
// Linux, bubblewrap: `--ro-bind / /`, its own /dev and /proc, a PID namespace (a command can
// neither see nor signal processes outside its run) and --die-with-parent (the sandbox dies with
// the process that started it). bwrap always sets no_new_privs, so setuid binaries (sudo) cannot
// elevate, and --cap-drop ALL matters for root: bwrap started by root keeps every capability
// otherwise, and root could simply remount / read-write (measured). The network is left as it is.
//
// Kill semantics: bwrap's outer process leads the run's process group, and with --die-with-parent
// its death SIGKILLs the sandbox at once. So that SIGTERM keeps its grace period, that process
// ignores TERM (a disposition inherited through exec) and the command gets TERM back at its
// default through `env --default-signal` (coreutils >= 8.31; without it TERM kills at once).
// Timeout and cancel signal the whole group as before: the command gets TERM, SIGKILL later
// reaches bwrap and, through --die-with-parent, everything inside.
import { shellQuote } from "../shell/quote.ts";
import type { SandboxSpec } from "./levels.ts";
import { KERNEL_DIRS, REFUSAL, SYSTEM_DIRS, workspaceRefusalPattern } from "./paths.ts";
import { seatbeltParamNames, seatbeltProfile } from "./seatbelt.ts";

/**
 * Where the tools that run outside the sandbox are looked for: fixed system paths, never $PATH,
 * which a login shell's rc file (or a directory the agent writes) could point at a fake `bwrap`
 * that runs the command unsandboxed.
 */
export const SANDBOX_EXEC = "/usr/bin/sandbox-exec";
export const BWRAP_PATHS = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"];
const ENV = "/usr/bin/env";

/** Sets $cx_bw to the first bwrap of BWRAP_PATHS that exists ("" when none does). */
export const FIND_BWRAP = `cx_bw=; for cx_p in ${BWRAP_PATHS.join(" ")}; do if [ -x "$cx_p" ]; then cx_bw=$cx_p; break; fi; done`;

/**
 * Lines that pick the tool ($cx_box: bwrap or seatbelt) and, for a workspace sandbox, make $PWD
 * the physical working directory and check it. `refuse(code)` is the shell text run when the run
 * cannot be sandboxed (REFUSAL.noTool, REFUSAL.workspace); it must end the script.
 */
export function sandboxCheckLines(spec: SandboxSpec, refuse: (code: number) => string): string[] {
  const lines = [
    FIND_BWRAP,
    'if [ -n "$cx_bw" ]; then cx_box=bwrap',
    `elif [ -x ${SANDBOX_EXEC} ]; then cx_box=seatbelt`,
    `else ${refuse(REFUSAL.noTool)}; fi`,
  ];
  if (spec.level === "workspace")
    lines.push(
      "cd -P -- . 2>/dev/null",
      `case $PWD in ${workspaceRefusalPattern()}) ${refuse(REFUSAL.workspace)} ;; esac`,
    );
  return lines;
}

/** A writable entry as a shell word: "~/x" is under $HOME of the machine that runs it. */
function pathWord(p: string): string {
  return p.startsWith("~/") ? `"$HOME"/${shellQuote(p.slice(2))}` : shellQuote(p);
}

/**
 * Its own /proc when the kernel allows one: an unprivileged user may mount proc only where the
 * current /proc is fully visible, and a file mounted over part of it (lxcfs in LXC, Docker's masks,
 * the test cluster's fake load files) forbids that ("Can't mount proc": measured). There the host's
 * /proc is bound read-only instead: the sandbox then sees other processes' numbers but, in its own
 * PID namespace, still cannot signal them. The mount table is read with the shell's own `read`.
 */
export const PROC_LINES = [
  "cx_proc=mount",
  "[ -r /proc/self/mounts ] && while read -r cx_a cx_m cx_b; do case $cx_m in /proc/sys/fs/binfmt_misc) ;; /proc/?*) cx_proc=bind ;; esac; done </proc/self/mounts",
  'if [ "$cx_proc" = mount ]; then set -- "$@" --proc /proc; else set -- "$@" --ro-bind /proc /proc; fi',
];

/** Top-level directories that stay read-only under `system` (the loop binds the others writable). */
function systemPattern(): string {
  const top = [...SYSTEM_DIRS, ...KERNEL_DIRS].filter((d) => d.lastIndexOf("/") === 0);
  return top.join("|");
}

/**
 * Lines that exec `command` (a shell line, run by bash where it exists, else sh) inside the
 * sandbox chosen by sandboxCheckLines. They never return: the process becomes the sandbox.
 */
export function sandboxExecLines(spec: SandboxSpec, command: string): string[] {
  const cmd = shellQuote(command);
  const lines = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'cx_t="${TMPDIR:-/tmp}"',
    // A temp directory at / or in a system directory would make the system writable.
    `case $cx_t in ${workspaceRefusalPattern()}) cx_t=/tmp ;; esac`,
    'if [ "$cx_box" = bwrap ]; then',
    "set -- --ro-bind / /",
  ];
  if (spec.level === "system")
    lines.push(
      "for cx_d in /*; do",
      `  case $cx_d in ${systemPattern()}) continue ;; esac`,
      '  if [ -d "$cx_d" ] && [ ! -L "$cx_d" ]; then set -- "$@" --bind "$cx_d" "$cx_d"; fi',
      "done",
    );
  lines.push('set -- "$@" --dev /dev', ...PROC_LINES);
  if (spec.level === "workspace")
    lines.push('set -- "$@" --bind "$PWD" "$PWD" --bind-try "$cx_t" "$cx_t"');
  for (const p of spec.writable) lines.push(`set -- "$@" --bind-try ${pathWord(p)} ${pathWord(p)}`);
  lines.push(
    'set -- "$@" --unshare-pid --die-with-parent --cap-drop ALL --',
    // --version: the check runs nothing but env itself, outside the sandbox.
    `if ${ENV} --default-signal=TERM --version >/dev/null 2>&1; then trap '' TERM; set -- "$@" ${ENV} --default-signal=TERM; fi`,
    `if command -v bash >/dev/null 2>&1; then exec "$cx_bw" "$@" bash -c ${cmd}; fi`,
    `exec "$cx_bw" "$@" /bin/sh -c ${cmd}`,
    "fi",
  );
  // sandbox-exec applies the profile and execs the command in the same process: exit codes and
  // signals pass through unchanged, the process group is untouched.
  const params = seatbeltParamNames(spec).map((name) => {
    if (name === "WS") return '-D WS="$PWD"';
    if (name === "TMP") return '-D TMP="$cx_t"';
    if (name === "TMPR") return '-D TMPR="$(cd -P -- "$cx_t" 2>/dev/null && pwd || echo "$cx_t")"';
    return `-D ${name}=${pathWord(spec.writable[Number(name.slice(1))] as string)}`;
  });
  const args = [`-p ${shellQuote(seatbeltProfile(spec))}`, ...params].join(" ");
  lines.push(
    `if command -v bash >/dev/null 2>&1; then exec ${SANDBOX_EXEC} ${args} bash -c ${cmd}; fi`,
    `exec ${SANDBOX_EXEC} ${args} /bin/sh -c ${cmd}`,
  );
  return lines;
}
