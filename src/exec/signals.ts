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
