// The short text rendering of a run result that accompanies its structuredContent.
import type { RunResult } from "../exec/result.ts";

export function renderRun(r: RunResult): string {
  const how = r.error
    ? `${r.error.code}: ${r.error.message}`
    : r.timed_out
      ? `timed out after ${r.duration_ms} ms (process group killed)`
      : r.canceled
        ? "canceled (process group killed)"
        : r.signal
          ? `killed by ${r.signal}`
          : `exit ${r.exit_code}`;
  const lines = [`[${r.node || "no node"}] ${how} · ${r.duration_ms} ms · task ${r.task_id}`];
  if (r.route.reason) lines.push(`route: ${r.route.reason}`);
  if (r.stdout) lines.push(`--- stdout ---\n${r.stdout.replace(/\n$/, "")}`);
  if (r.stderr) lines.push(`--- stderr ---\n${r.stderr.replace(/\n$/, "")}`);
  if (r.truncated) lines.push("(output truncated: head and tail kept)");
  return lines.join("\n");
}
