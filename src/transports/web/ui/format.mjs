// Small helpers of the page: building elements (text only, never HTML from data), formatting
// numbers, durations and times, and the server's clock.

let clockOffset = 0;

/** The server's "now" (ms), from its clock as last reported: ages and elapsed times use it. */
export function serverNow() {
  return Date.now() + clockOffset;
}

export function setServerTime(ms) {
  clockOffset = ms - Date.now();
}

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

/** A <div><dt/><dd/></div> pair; the dd is returned so callers can fill and update it. */
export function fact(dl, term, field) {
  const dd = el("dd", field ? { "data-field": field } : {});
  dl.append(el("div", {}, el("dt", {}, term), dd));
  return dd;
}

export function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return String(Math.round(v * 10 ** digits) / 10 ** digits);
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function ago(ms) {
  return ms < 1500 ? "just now" : `${duration(Math.round(ms / 1000) * 1000)} ago`;
}

export function clock(ms) {
  if (!ms) return "–";
  const d = new Date(ms);
  return d.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
}

export function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${num(v, 1)} ${units[i]}`;
}

/** A field name or state as words: timed_out → "timed out". */
export function label(key) {
  return key.replace(/_/g, " ");
}

/** A field name as a heading: load_5m → "Load 5m". */
export function heading(key) {
  const words = label(key);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Any value of a report field as text; undefined for "nothing to show". */
export function value(key, v) {
  if (v === null || v === undefined || v === "") return undefined;
  if (Array.isArray(v)) return v.length ? v.map((x) => value(key, x) ?? "–").join(", ") : undefined;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return /(^mem_total$|_bytes$)/.test(key) ? bytes(v) : num(v);
  if (typeof v === "object") {
    const parts = Object.entries(v)
      .map(([k, x]) => [k, value(k, x)])
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${label(k)}: ${x}`);
    return parts.length ? parts.join("; ") : undefined;
  }
  return String(v);
}

const STATE_MARKS = {
  healthy: "✓",
  degraded: "!",
  unreachable: "✗",
  unknown: "?",
  queued: "…",
  running: "▶",
  succeeded: "✓",
  failed: "✗",
  timed_out: "⏱",
  canceled: "■",
  interrupted: "⚠",
};

/** A state as a mark (for sighted readers, hidden from screen readers) and its word. */
export function stateBadge(state, field) {
  const mark = STATE_MARKS[state] ?? "•";
  return el(
    "span",
    { class: `badge state-${state}`, "data-field": field, "data-value": state },
    el("span", { "aria-hidden": "true" }, `${mark} `),
    label(state),
  );
}
