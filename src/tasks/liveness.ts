// Is a task's runner process still the one that started it? pid + start time, so a reused pid
// (after the runner died, or after a reboot) is never taken for the runner.
import { readFileSync } from "node:fs";

let bootId: string | undefined;

/**
 * A string naming one process incarnation: boot id + start time on Linux, the start time `ps`
 * reports elsewhere. undefined when no such live process exists (zombies count as gone).
 */
export function processIdentity(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform === "linux") return linuxIdentity(pid);
  return psIdentity(pid);
}

/** True when `pid` is alive and still the process recorded as `identity`. */
export function isSameProcess(pid: number, identity: string | null): boolean {
  const now = processIdentity(pid);
  if (now === undefined) return false;
  return identity === null || now === identity;
}

function linuxIdentity(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // fields after "(comm)": state(3) ppid pgrp ... starttime is field 22 overall, 20th after comm.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  bootId ??= readBootId();
  return `${bootId}:${fields[19]}`;
}

function readBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "boot";
  }
}

function psIdentity(pid: number): string | undefined {
  const r = Bun.spawnSync(["ps", "-o", "stat=,lstart=", "-p", String(pid)], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const line = r.stdout.toString().trim();
  if (r.exitCode !== 0 || line === "" || line.startsWith("Z")) return undefined;
  return line.slice(line.indexOf(" ") + 1).trim();
}
