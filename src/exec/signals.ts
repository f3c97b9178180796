// Signal names and numbers, for results ("SIGTERM") and shell-style exit codes (128 + n).
import os from "node:os";

export function signalName(sig: string | number): string {
  if (typeof sig === "string") return sig.startsWith("SIG") ? sig : `SIG${sig}`;
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === sig);
  return entry ? entry[0] : `SIG${sig}`;
}

export function signalNumber(name: string): number | undefined {
  return (os.constants.signals as Record<string, number>)[signalName(name)];
}

/**
 * A wrapper that reports its command's death by signal N as exit code 128 + N (bubblewrap does),
 * read back as that signal. An exit code of 128 + N the command chose itself reads the same way:
 * the wrapper's status cannot tell them apart (the README says so).
 */
export function fromWrappedStatus(
  code: number | null,
  signal: string | null,
): { code: number | null; signal: string | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === code - 128);
  return entry ? { code: null, signal: entry[0] } : { code, signal };
}
