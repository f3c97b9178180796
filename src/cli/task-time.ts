// Short human renderings of task times and outcomes for the task verbs.
import type { TaskView } from "../tasks/view.ts";

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129_600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

export function duration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${s % 60}s`;
}

export function outcome(v: TaskView): string {
  if (v.error) return `${v.state}: ${v.error.code}: ${v.error.message}`;
  if (v.signal) return `${v.state} (${v.signal})`;
  if (v.exit_code !== null) return `${v.state} (exit ${v.exit_code})`;
  return v.state;
}
