// The machine's process table (shared by every test node): live processes whose command line
// contains a marker. Zombies (state Z/X) do not count: they are dead, only not yet reaped.
import { readdirSync, readFileSync } from "node:fs";

export function liveProcesses(marker: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (!cmd.includes(marker)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && state !== "X") out.push(`${pid} ${state} ${cmd.trim()}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Polls (bounded) until no live process mentions the marker; returns what is still alive. */
export async function waitGone(marker: string, timeoutMs = 3000): Promise<string[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const live = liveProcesses(marker);
    if (live.length === 0 || performance.now() >= end) return live;
    await Bun.sleep(20);
  }
}

/**
 * Polls (bounded) until a live process mentions the marker; returns what is alive. A check made
 * once can miss a process caught mid-exec (bash exec's its last command) or not yet started.
 */
export async function waitLive(marker: string, timeoutMs = 10_000): Promise<string[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const live = liveProcesses(marker);
    if (live.length > 0 || performance.now() >= end) return live;
    await Bun.sleep(20);
  }
}

/** A number unique to this call, usable as `sleep 600.N` so the sleep can be found by pgrep. */
export function uniqueSleep(): string {
  return `600.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}
