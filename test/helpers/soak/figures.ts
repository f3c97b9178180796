// The soak's figures: calls and errors by code, latency percentiles per tool with and without
// chaos, and a plain-text table of them.
import type { CallRecord } from "./types.ts";

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export interface ToolFigures {
  calls: number;
  calm: { n: number; p50: number; p99: number };
  chaos: { n: number; p50: number; p99: number };
}

export interface CallFigures {
  calls: number;
  byOutcome: Record<string, number>;
  errorsByCode: Record<string, number>;
  tools: Record<string, ToolFigures>;
}

export function callFigures(calls: CallRecord[], chaosFrom: number, chaosTo: number): CallFigures {
  const byOutcome: Record<string, number> = {};
  const errorsByCode: Record<string, number> = {};
  const tools: Record<string, ToolFigures> = {};
  const lat = (xs: CallRecord[]) => {
    const ms = xs.map((x) => x.ms);
    return { n: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  const byTool = new Map<string, CallRecord[]>();
  for (const c of calls) {
    byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
    if (c.outcome !== "ok") {
      const key = c.outcome === "transport" ? "transport (no MCP answer)" : (c.code ?? c.outcome);
      errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
    }
    byTool.set(c.tool, [...(byTool.get(c.tool) ?? []), c]);
  }
  for (const [tool, xs] of byTool) {
    const answered = xs.filter((x) => x.outcome !== "transport" && x.outcome !== "aborted");
    const inChaos = (x: CallRecord) => x.at >= chaosFrom && x.at < chaosTo;
    tools[tool] = {
      calls: xs.length,
      calm: lat(answered.filter((x) => !inChaos(x))),
      chaos: lat(answered.filter(inChaos)),
    };
  }
  return { calls: calls.length, byOutcome, errorsByCode, tools };
}

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((x) => (typeof x === "number" ? fmt(x) : x)));
  const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) => `| ${r.map((x, i) => x.padEnd(widths[i] ?? 0)).join(" | ")} |`)
    .join("\n");
}

const fmt = (x: number) => (Number.isNaN(x) ? "-" : String(Math.round(x)));

export function toolTable(f: CallFigures): string {
  const rows: (string | number)[][] = [
    [
      "tool",
      "calls",
      "calm n",
      "calm p50 ms",
      "calm p99 ms",
      "chaos n",
      "chaos p50 ms",
      "chaos p99 ms",
    ],
  ];
  for (const [tool, t] of Object.entries(f.tools).sort())
    rows.push([
      tool,
      t.calls,
      t.calm.n,
      t.calm.p50,
      t.calm.p99,
      t.chaos.n,
      t.chaos.p50,
      t.chaos.p99,
    ]);
  return table(rows);
}
