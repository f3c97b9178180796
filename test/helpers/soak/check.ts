// The soak's end checks, from what really happened: the marker file (what ran, where, how
// often), the task store and the audit log of the shared state directory, the process table.
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { liveProcesses } from "../procs.ts";
import type { NodeRestart } from "./chaos.ts";
import { idOf } from "./commands.ts";
import { NEVER_STARTED } from "./types.ts";

export interface Marker {
  node: string;
  id: string;
  at: number;
}

export function readMarkers(path: string): Marker[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [node = "", id = "", at = "0"] = l.split(" ");
      return { node, id, at: Number(at) };
    });
}

export interface TaskRowLite {
  id: string;
  command: string;
  state: string;
  error_code: string | null;
  error_message: string | null;
  duration_ms: number | null;
  node: string;
  runner_pid: number | null;
}

export function readTasks(stateDir: string): TaskRowLite[] {
  const path = join(stateDir, "state.db");
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<TaskRowLite, []>(
        "SELECT id, command, state, error_code, error_message, duration_ms, node, runner_pid FROM tasks",
      )
      .all();
  } finally {
    db.close();
  }
}

/** When a node last had a good sample written after `since` (ms), if it has. */
export function firstSampleAfter(
  stateDir: string,
  node: string,
  since: number,
): number | undefined {
  const db = new Database(join(stateDir, "state.db"), { readonly: true });
  try {
    const row = db
      .query<{ t: number | null }, [string, number]>(
        "SELECT MIN(sampled_at) AS t FROM node_samples WHERE node = ? AND sampled_at > ?",
      )
      .get(node, since);
    return row?.t ?? undefined;
  } finally {
    db.close();
  }
}

interface AuditRec {
  event: string;
  task_id: string;
}

export function readAudit(stateDir: string): AuditRec[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir)
    .filter((f) => f.startsWith("audit.jsonl"))
    .flatMap((f) =>
      readFileSync(join(stateDir, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRec),
    );
}

export interface RunChecks {
  runs: number;
  markers: number;
  unfinished: string[];
  auditNotOneStartOneEnd: string[];
  ranTwice: string[];
  neverStartedButRan: string[];
  ranWithoutRecord: string[];
  statesByCount: Record<string, number>;
  errorsByCode: Record<string, number>;
  /** Up to three messages per error code, to tell what the errors were. */
  errorSamples: Record<string, string[]>;
}

export function checkRuns(stateDir: string, markerPath: string, tag: string): RunChecks {
  const rows = readTasks(stateDir).filter((r) => idOf(tag, r.command) !== undefined);
  const markers = readMarkers(markerPath).filter((m) => m.id.startsWith(`${tag}-`));
  const audit = readAudit(stateDir);
  const perTask = new Map<string, { start: number; end: number }>();
  for (const a of audit) {
    const e = perTask.get(a.task_id) ?? { start: 0, end: 0 };
    if (a.event === "start") e.start++;
    if (a.event === "end") e.end++;
    perTask.set(a.task_id, e);
  }
  const markCount = new Map<string, number>();
  for (const m of markers) markCount.set(m.id, (markCount.get(m.id) ?? 0) + 1);
  const rowIds = new Set(rows.map((r) => idOf(tag, r.command)));
  const count = (xs: (string | null)[]) => {
    const o: Record<string, number> = {};
    for (const x of xs) if (x) o[x] = (o[x] ?? 0) + 1;
    return o;
  };
  return {
    runs: rows.length,
    markers: markers.length,
    unfinished: rows.filter((r) => ["queued", "running"].includes(r.state)).map((r) => r.id),
    auditNotOneStartOneEnd: rows
      .filter((r) => {
        const e = perTask.get(r.id);
        return e?.start !== 1 || e.end !== 1;
      })
      .map(
        (r) =>
          `${r.id} start ${perTask.get(r.id)?.start ?? 0} end ${perTask.get(r.id)?.end ?? 0} (${r.state})`,
      ),
    ranTwice: [...markCount].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`),
    neverStartedButRan: rows
      .filter((r) => r.error_code && NEVER_STARTED.has(r.error_code))
      .filter((r) => markCount.has(idOf(tag, r.command) as string))
      .map((r) => `${r.id} ${r.error_code} on ${r.node}`),
    ranWithoutRecord: [...markCount.keys()].filter((id) => !rowIds.has(id)),
    statesByCount: count(rows.map((r) => r.state)),
    errorsByCode: count(rows.map((r) => r.error_code)),
    errorSamples: samples(rows),
  };
}

/** Live processes of the soak's runs (their command lines carry the tag), polled until none. */
export async function leftovers(marks: string[], timeoutMs: number): Promise<string[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const live = marks.flatMap((m) => liveProcesses(m)).filter((l) => !l.includes("src/cli.ts"));
    if (live.length === 0 || performance.now() > end) return [...new Set(live)];
    await Bun.sleep(250);
  }
}

export interface Recovery extends NodeRestart {
  /** From the restart to the node's first good sample. */
  healthyMs?: number;
  /** From the restart to the first command that started there (any tool, the prober's included). */
  usedMs?: number;
  /** The prober's offload_to calls after the restart, as "outcome code ms". */
  probes?: string[];
}

export function recoveries(
  stateDir: string,
  markerPath: string,
  restarts: NodeRestart[],
): Recovery[] {
  const markers = readMarkers(markerPath);
  return restarts.map((r) => {
    const healthy = firstSampleAfter(stateDir, r.node, r.startedAt);
    const used = markers.filter((m) => m.node === r.node && m.at > r.startedAt).map((m) => m.at);
    return {
      ...r,
      ...(healthy !== undefined ? { healthyMs: healthy - r.startedAt } : {}),
      ...(used.length ? { usedMs: Math.min(...used) - r.startedAt } : {}),
    };
  });
}

function samples(rows: TaskRowLite[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rows) {
    if (!r.error_code) continue;
    const xs = out[r.error_code] ?? [];
    out[r.error_code] = xs;
    if (xs.length < 3)
      xs.push(`${r.id} on ${r.node || "-"} after ${r.duration_ms} ms: ${r.error_message}`);
  }
  return out;
}
