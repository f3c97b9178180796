// Process-group kills as POSIX shell, for every transport and for this machine alike: the one-shot
// kill of a run's group, and the sweep's kill of a group whose owner died, which first makes sure
// the group still is that run's (a process group id can be reused once the group is gone).
import { shellQuote } from "../shell/quote.ts";

/**
 * Kills process group `pgid` on the node: TERM, then KILL once `graceMs` has passed with live
 * members (zombies do not count: they are dead, only not yet reaped). Exits at once when the group
 * is already empty, which is the common case after a normal exit. `ps -A -o pgid= -o stat=` works
 * with both procps (Linux) and BSD ps (macOS).
 */
export function buildKillScript(pgid: number, graceMs: number): string {
  if (!Number.isInteger(pgid) || pgid <= 1)
    throw new Error(`refusing to kill process group ${pgid}`);
  const script = [...KILL_FUNCTIONS, `terminate ${pgid} ${Math.ceil(graceMs / 50)}`].join("\n");
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/**
 * Shell functions shared by the one-shot kill script and the reaper: `live PGID` (a non-zombie
 * member exists) and `terminate PGID POLLS` (TERM, poll every 50 ms, KILL after POLLS polls).
 */
export const KILL_FUNCTIONS = [
  `live() { ps -A -o pgid= -o stat= 2>/dev/null | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }`,
  "terminate() {",
  "  kill -TERM -$1 2>/dev/null || return 0",
  "  i=0",
  '  while live "$1"; do',
  '    if [ "$i" -ge "$2" ]; then kill -KILL -$1 2>/dev/null; return 0; fi',
  "    sleep 0.05",
  "    i=$((i + 1))",
  "  done",
  "}",
];

/** The environment variable every run carries: how the sweep recognises the run's processes. */
export const TASK_ENV = "CLUSTER_TASK_ID";

/** What the sweep's kill script printed. */
export type ReapOutcome = "gone" | "foreign" | "killed" | "survived";

/**
 * Kills group `pgid` (TERM, then KILL after `graceMs`) only when one of its live members carries
 * `CLUSTER_TASK_ID=<taskId>` in its environment (Linux /proc/PID/environ, else `ps -E`, BSD/macOS).
 * Prints one word: gone (no live member), foreign (live, but none of them is the task's: the id
 * was reused, nothing is done), killed, survived (still alive after KILL). The script's text, for
 * `/bin/sh -c`.
 */
export function reapScript(pgid: number, taskId: string, graceMs: number): string {
  if (!Number.isInteger(pgid) || pgid <= 1)
    throw new Error(`refusing to kill process group ${pgid}`);
  const tag = shellQuote(`${TASK_ENV}=${taskId}`);
  const script = [
    ...KILL_FUNCTIONS,
    "ours() {",
    `  for p in $(ps -A -o pid= -o pgid= -o stat= 2>/dev/null | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'); do`,
    '    if [ -r "/proc/$p/environ" ]; then',
    `      tr '\\000' '\\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "$2" && return 0`,
    '    elif ps -E -ww -o command= -p "$p" 2>/dev/null | grep -qF " $2"; then return 0; fi',
    "  done",
    "  return 1",
    "}",
    `if ! live ${pgid}; then echo gone`,
    `elif ! ours ${pgid} ${tag}; then echo foreign`,
    `else terminate ${pgid} ${Math.ceil(graceMs / 50)}; if live ${pgid}; then echo survived; else echo killed; fi`,
    "fi",
  ];
  return script.join("\n");
}
