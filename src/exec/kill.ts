// Process-group termination: SIGTERM, then SIGKILL after a grace period, until no live member is left.
import { readdirSync, readFileSync } from "node:fs";

const POLL_MS = 20;

/** True while a non-zombie process is in the group (zombies cannot be killed, only reaped). */
export function groupAlive(pgid: number): boolean {
  if (process.platform !== "linux") return signalGroup(pgid, 0);
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) > 57) continue; // not a pid
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // exited meanwhile
    }
    // fields after "(comm)": state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
  }
  return false;
}

/** Sends a signal to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** How long members may take to die after SIGKILL (one stuck in uninterruptible I/O may take longer). */
const KILL_SETTLE_MS = 1000;

/**
 * Terminates a whole process group: SIGTERM now, SIGKILL once `graceMs` has passed with members
 * still alive. Resolves when no live member is left (bounded: KILL_SETTLE_MS after the KILL).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  if (await goneWithin(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await goneWithin(pgid, KILL_SETTLE_MS);
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await Bun.sleep(POLL_MS);
  }
  return true;
}
