// Tool results sized for an agent's budget: the whole serialized result (structuredContent and the
// text block, which renders the same bounded output) stays under a character limit. Long streams
// keep their head and tail with a marker naming the task_output call that pages the rest; a batch
// shares one budget, failing items first. Pure: the caller builds the result from the cut values.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export type Stream = "stdout" | "stderr";
const STREAMS: Stream[] = ["stdout", "stderr"];

/** A run result (or task view) as a tool returns it: stdout/stderr already capped by output_limit. */
export type Value = Record<string, unknown> & { task_id: string; stdout?: string; stderr?: string };

export interface SizedItem {
  value: Value;
  /** Failed runs get a larger share, and stderr before stdout. */
  failed: boolean;
  /** Bytes each stream produced in all, where counted. */
  written?: Partial<Record<Stream, number>>;
}

export interface FitOptions {
  /** The serialized result stays under this many characters. */
  limit: number;
  /** The output is in the task store: a cut names the task_output call for the rest. */
  stored: boolean;
}

/** A failing item's share of a shared budget, against 1 for a succeeding one. */
const FAILING_WEIGHT = 3;
/** Characters kept back for what the estimate misses (the JSON-RPC envelope is not ours to count). */
const MARGIN = 64;
/** How far the detail beside the output is shortened when it alone would not fit: level → lengths. */
const COMPACT: { candidates: boolean; text?: number; bare?: boolean }[] = [
  { candidates: true },
  { candidates: false },
  { candidates: false, text: 160 },
  { candidates: false, text: 48 },
  // Bare: no output at all, only the flags; task_output from offset 0 has it.
  { candidates: false, text: 48, bare: true },
  { candidates: false, text: 16, bare: true },
];

export const size = (r: CallToolResult): number => JSON.stringify(r).length;

/** Cuts the items' output (and, when even that is not enough, their route detail) to fit. */
export function fitResult(
  items: SizedItem[],
  opts: FitOptions,
  build: (values: Value[]) => CallToolResult,
): CallToolResult {
  const limit = opts.limit - MARGIN;
  const needs = items.map((it) => STREAMS.map((s) => it.value[s]?.length ?? 0));
  const full = (level: number) =>
    items.map((it, i) => cutItem(it, opts, level, needs[i] as number[]));
  const total = needs.flat().reduce((a, b) => a + b, 0);
  if (2 * total < limit) {
    const whole = build(full(0));
    if (size(whole) < limit) return whole;
  }
  for (let level = 0; level < COMPACT.length; level++) {
    const empty = items.map((it) => cutItem(it, opts, level, [0, 0]));
    const base = size(build(empty));
    if (base >= limit && level < COMPACT.length - 1) continue;
    if (base >= limit || COMPACT[level]?.bare) return build(empty);
    // Each character shown is in the result twice (structured and text), more when escaped.
    let budget = Math.floor((limit - base) / 2);
    for (let attempt = 0; attempt < 6 && budget > 0; attempt++) {
      const alloc = share(items, needs, budget);
      const built = build(items.map((it, i) => cutItem(it, opts, level, alloc[i] as number[])));
      const n = size(built);
      if (n < limit) return built;
      budget = Math.floor(((budget * (limit - base)) / Math.max(1, n - base)) * 0.95);
    }
    return build(empty);
  }
  return build(items.map((it) => cutItem(it, opts, COMPACT.length - 1, [0, 0])));
}

/** Characters per item and stream: weighted max-min fair between items, then within each item. */
function share(items: SizedItem[], needs: number[][], budget: number): number[][] {
  const perItem = waterFill(
    needs.map((n) => (n[0] as number) + (n[1] as number)),
    items.map((it) => (it.failed ? FAILING_WEIGHT : 1)),
    budget,
  );
  return items.map((it, i) => {
    const [out, err] = needs[i] as [number, number];
    const alloc = perItem[i] as number;
    // The favoured stream gets two thirds, and whatever the other leaves unused.
    const [favNeed, otherNeed] = it.failed ? [err, out] : [out, err];
    let fav = Math.min(favNeed, Math.max(Math.ceil((alloc * 2) / 3), alloc - otherNeed));
    const other = Math.min(otherNeed, alloc - fav);
    fav = Math.min(favNeed, alloc - other);
    return it.failed ? [other, fav] : [fav, other];
  });
}

/** Weighted max-min fair shares: each gets min(need, weight × λ), λ as large as the budget allows. */
export function waterFill(needs: number[], weights: number[], budget: number): number[] {
  const alloc = needs.map(() => 0);
  let left = budget;
  let active = needs.map((_, i) => i).filter((i) => (needs[i] as number) > 0);
  while (active.length > 0 && left > 0) {
    const lambda = left / active.reduce((s, i) => s + (weights[i] as number), 0);
    const met = active.filter((i) => (needs[i] as number) <= (weights[i] as number) * lambda);
    if (met.length === 0) {
      for (const i of active) alloc[i] = Math.floor((weights[i] as number) * lambda);
      break;
    }
    for (const i of met) {
      alloc[i] = needs[i] as number;
      left -= needs[i] as number;
    }
    active = active.filter((i) => !met.includes(i));
  }
  return alloc;
}

/** The item with each stream cut to `keep` characters (head and tail) and its detail compacted. */
function cutItem(item: SizedItem, opts: FitOptions, level: number, keep: number[]): Value {
  const c = COMPACT[level] ?? { candidates: false };
  const v: Value = { ...item.value };
  const more: { tool: "task_output"; arguments: Record<string, unknown> }[] = [];
  let anyCut = false;
  STREAMS.forEach((stream, i) => {
    const text = item.value[stream];
    if (typeof text !== "string") return;
    const capped =
      item.written?.[stream] !== undefined
        ? (item.written[stream] as number) > Buffer.byteLength(text)
        : text.includes(" bytes truncated by cluster-exec ...]");
    const cut = cutStream(text, c.bare ? 0 : (keep[i] as number), {
      taskId: v.task_id,
      stream,
      stored: opts.stored,
      bare: c.bare === true,
    });
    v[stream] = cut.text;
    if (cut.offset !== undefined && opts.stored && !c.bare)
      more.push({
        tool: "task_output",
        arguments: { task_id: v.task_id, stream, offset: cut.offset },
      });
    if (capped || cut.offset !== undefined) {
      anyCut = true;
      v[`${stream}_truncated`] = true;
    }
  });
  if (anyCut) {
    v.truncated = true;
    for (const s of STREAMS) {
      v[`${s}_truncated`] ??= false;
      if (item.written?.[s] !== undefined) v[`${s}_bytes`] = item.written[s];
    }
    if (more.length > 0) v.more = more;
  }
  if (!c.candidates) compactRoute(v, c.text, c.bare === true);
  return v;
}

function compactRoute(v: Value, text: number | undefined, bare: boolean): void {
  const route = v.route as { reason?: string; candidates?: unknown[] } | undefined;
  if (route && Array.isArray(route.candidates) && route.candidates.length > 0)
    v.route = bare
      ? { ...route, candidates: [] }
      : { ...route, candidates: [], candidates_omitted: route.candidates.length };
  if (text === undefined) return;
  if (v.route) {
    const r = v.route as { reason?: string };
    v.route = { ...r, reason: shorten(r.reason ?? "", text) };
  }
  if (typeof v.command === "string") v.command = shorten(v.command, text + 16);
  const err = v.error as { message?: string } | undefined;
  if (err?.message) v.error = { ...err, message: shorten(err.message, text * 2) };
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

/**
 * Head and tail of `text` in `keep` characters, with a marker between that says how many bytes
 * are not shown and which call pages them (their offset in the stored stream).
 */
export function cutStream(
  text: string,
  keep: number,
  ctx: { taskId: string; stream: Stream; stored: boolean; bare: boolean },
): { text: string; offset?: number } {
  if (text.length <= keep) return { text };
  if (ctx.bare) return { text: "", offset: 0 };
  let h = Math.ceil(keep / 2);
  let t = text.length - (keep - h);
  // Never split a surrogate pair.
  if (h > 0 && isHigh(text.charCodeAt(h - 1))) h--;
  if (t < text.length && isLow(text.charCodeAt(t))) t++;
  const head = text.slice(0, h);
  const tail = text.slice(t);
  const offset = Buffer.byteLength(head);
  const hidden = Buffer.byteLength(text) - offset - Buffer.byteLength(tail);
  const call = JSON.stringify({ task_id: ctx.taskId, stream: ctx.stream, offset });
  const marker = ctx.stored
    ? `\n[... ${hidden} bytes cut to fit this result; task_output ${call} pages them ...]\n`
    : `\n[... ${hidden} bytes cut to fit this result ...]\n`;
  return { text: `${head}${marker}${tail}`, offset };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
