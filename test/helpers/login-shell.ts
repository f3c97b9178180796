// The reporting wrapper run by a local shell standing in for sshd's login shell (in a session of
// its own, as sshd makes one), its stdout status line and stderr trailer read as the openssh
// executor reads them.
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MarkReader } from "../../src/remote/remote-command.ts";
import { buildReportingCommand, newNonce } from "../../src/remote/reporting-command.ts";
import { TrailerReader } from "../../src/remote/status-trailer.ts";

export type Spec = Parameters<typeof buildReportingCommand>[0];

/** A PATH holding only these tools (to run without perl, or without perl and setsid). */
export function toolDir(tools: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), "ce-tools-"));
  for (const tool of tools) {
    const path = Bun.which(tool);
    if (!path) throw new Error(`${tool} is needed for this test`);
    symlinkSync(path, join(bin, tool));
  }
  return bin;
}

export interface LoginShellOpts {
  shell?: string;
  path?: string;
  onMark?: (pgid: number) => void;
  /** Runs the login shell through these words first (`unshare -m …`). */
  via?: string[];
}

export async function viaLoginShell(spec: Spec, opts: LoginShellOpts = {}) {
  const nonce = newNonce();
  const argv = [opts.shell ?? "/bin/bash", "-c", buildReportingCommand(spec, nonce)];
  const proc = Bun.spawn([...(opts.via ?? []), ...argv], {
    stdout: "pipe",
    stderr: "pipe",
    detached: true, // sshd setsid()s every session
    env: opts.path ? { PATH: opts.path } : process.env,
  });
  const marks = new MarkReader();
  const trailer = new TrailerReader(nonce);
  let stdout = "";
  let stderr = "";
  const readOut = (async () => {
    for await (const chunk of proc.stdout) {
      const had = marks.mark;
      stdout += new TextDecoder().decode(marks.push(chunk));
      if (!had && marks.mark?.kind === "pgid") opts.onMark?.(marks.mark.pgid);
    }
  })();
  const readErr = (async () => {
    for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(trailer.push(chunk));
    stderr += new TextDecoder().decode(trailer.flush());
  })();
  await Promise.all([readOut, readErr, proc.exited]);
  return { pid: proc.pid, mark: marks.mark, stdout, stderr, status: trailer.status, proc };
}
