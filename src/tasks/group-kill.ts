// The sweep's kill of a dead runner's process group: what the task machinery asks for (a
// GroupKiller, given by the composition root, which can reach nodes), the sentence recorded for
// each outcome, and the killer for groups on this machine.
import { type ReapOutcome, reapScript } from "../exec/reap-script.ts";

export interface GroupTarget {
  task_id: string;
  pgid: number;
  /** The node it runs on over SSH; null: this machine. */
  node: string | null;
}

/** Kills the group if it still is the task's; resolves to what happened, as a sentence. */
export type GroupKiller = (target: GroupTarget) => Promise<string>;

const OUTCOMES: ReapOutcome[] = ["gone", "foreign", "killed", "survived"];

export function whereIs(t: GroupTarget): string {
  return `process group ${t.pgid} ${t.node === null ? "on this machine" : `on ${t.node}`}`;
}

/** The sentence for what the kill script printed (or why it could not run). */
export function describeReap(t: GroupTarget, printed: string, graceMs: number): string {
  const outcome = printed.trim() as ReapOutcome;
  if (!OUTCOMES.includes(outcome))
    return `${whereIs(t)} could not be checked: ${printed.trim().slice(0, 200) || "no answer"}`;
  const grace = Math.round(graceMs / 100) / 10;
  return {
    gone: `${whereIs(t)} had already ended`,
    foreign: `${whereIs(t)} was left alone: none of its processes carries this task's id (the group id was reused)`,
    killed: `${whereIs(t)} was killed (TERM, then KILL after ${grace} s if still alive)`,
    survived: `${whereIs(t)} survived TERM and KILL (a process stuck in the kernel?)`,
  }[outcome];
}

/** Groups on this machine: the kill script run by /bin/sh here, bounded by `boundMs`. */
export function localGroupKiller(graceMs: number, boundMs: number): GroupKiller {
  return async (t) => {
    if (t.node !== null) return `${whereIs(t)} was not killed: this process cannot reach nodes`;
    const proc = Bun.spawn(["/bin/sh", "-c", reapScript(t.pgid, t.task_id, graceMs)], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      timeout: boundMs,
      killSignal: "SIGKILL",
    });
    const [out, err] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    await proc.exited;
    return describeReap(t, out || err, graceMs);
  };
}
