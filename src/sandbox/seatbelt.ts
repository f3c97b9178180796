// The macOS sandbox-exec (Seatbelt) profile for a level. Paths known only on the node (working
// directory, temp directory, home) are profile parameters given with -D, never spliced into the
// text. Written from Apple's SBPL conventions; NOT tested here (no macOS machine): see the README.
import type { SandboxSpec } from "./levels.ts";
import { SYSTEM_DIRS } from "./paths.ts";

/** setuid helpers that could elevate; Seatbelt has no no_new_privs, so their exec is denied. */
const SETUID_TOOLS = [
  "/usr/bin/sudo",
  "/usr/bin/su",
  "/usr/bin/login",
  "/usr/bin/newgrp",
  "/usr/libexec/authopen",
  "/usr/libexec/security_authtrampoline",
];

/** Device nodes a command needs to write even when everything else is read-only. */
const DEVICE_WRITES = [
  '(literal "/dev/null")',
  '(literal "/dev/zero")',
  '(literal "/dev/tty")',
  '(literal "/dev/dtracehelper")',
  '(regex #"^/dev/fd/")',
  '(regex #"^/dev/ttys[0-9]+$")',
];

const quote = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** The -D parameter names: WS (working dir), TMP and TMPR (temp dir and its real path), W0.. */
export function seatbeltParamNames(spec: SandboxSpec): string[] {
  return [
    ...(spec.level === "workspace" ? ["WS", "TMP", "TMPR"] : []),
    ...spec.writable.map((_, i) => `W${i}`),
  ];
}

export function seatbeltProfile(spec: SandboxSpec): string {
  const lines = ["(version 1)", "(allow default)"];
  if (spec.level === "workspace") {
    lines.push("(deny file-write*)");
    lines.push(
      `(allow file-write* (subpath (param "WS")) (subpath (param "TMP")) (subpath (param "TMPR")) ${DEVICE_WRITES.join(" ")})`,
    );
  } else {
    const dirs = SYSTEM_DIRS.filter((d) => !d.startsWith("/lib"));
    lines.push(
      `(deny file-write* ${dirs.map((d) => `(subpath ${quote(d)})`).join(" ")} (regex #"^/dev/r?disk"))`,
    );
  }
  if (spec.writable.length > 0)
    lines.push(
      `(allow file-write* ${spec.writable.map((_, i) => `(subpath (param "W${i}"))`).join(" ")})`,
    );
  lines.push(`(deny process-exec ${SETUID_TOOLS.map((t) => `(literal ${quote(t)})`).join(" ")})`);
  return lines.join("\n");
}
