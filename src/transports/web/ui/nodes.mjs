// The node cards: health, CPU / load / memory with an hour's sparkline, and every other field of
// the `cluster-status --json` report, shown by name so a field added there shows up here too.
import { ago, el, fact, heading, num, serverNow, stateBadge, value } from "./format.mjs";
import { sparkline } from "./sparkline.mjs";

// Live points: at most one per 5 s, the default sampling interval (the stored history comes in 30 s
// buckets).
const BUCKET_MS = 5_000;
let hourMs = 3_600_000;
/** node name → { card, parts, points, node } */
const cards = new Map();
/** node name → tasks running there, from the task store (every process's runs, not only ours). */
let tasksOn = new Map();

/** Fields drawn in their own place; every other field of a node is listed by name. */
const PLACED = new Set([
  "status",
  "cpu_percent",
  "load_1m",
  "memory_percent",
  "cores",
  "os",
  "arch",
  "capabilities",
  "address",
  "resolved_via",
  "address_source",
  "address_age_s",
  "sampled_at",
  "sample_age_s",
  "is_local",
  "running",
  "resolution",
  "reasons",
  "last_error",
  "warnings",
]);

const METRICS = [
  { field: "cpu_percent", column: 1, term: "CPU", unit: " %", what: "CPU %" },
  { field: "load_1m", column: 2, term: "Load (1 min)", unit: "", what: "load" },
  { field: "memory_percent", column: 3, term: "Memory", unit: " %", what: "memory %" },
];

export function setHistoryWindow(ms) {
  hourMs = ms;
}

/** The stored history, sent once per connection: node → [t, cpu, load, mem][]. */
export function setHistory(history) {
  for (const [name, points] of Object.entries(history)) {
    const entry = cards.get(name);
    if (entry) entry.points = points.slice();
    else cards.set(name, { points: points.slice() });
  }
}

export function clearNodes(list) {
  cards.clear();
  list.replaceChildren();
}

export function renderNodes(report, list) {
  let i = 0;
  for (const [name, node] of Object.entries(report.nodes)) {
    let entry = cards.get(name);
    if (!entry?.card) {
      entry = { points: entry?.points ?? [], ...newCard(name, i) };
      cards.set(name, entry);
    }
    if (list.children[i] !== entry.card) list.insertBefore(entry.card, list.children[i] ?? null);
    addPoint(entry, node);
    fill(entry, name, node, report.local_node === name);
    i++;
  }
  while (list.children.length > i) list.lastElementChild.remove();
}

/** Running tasks per node, from the tasks event. */
export function setRunningTasks(running) {
  tasksOn = new Map();
  for (const t of running) if (t.node) tasksOn.set(t.node, (tasksOn.get(t.node) ?? 0) + 1);
  for (const [name, entry] of cards)
    if (entry.parts) entry.parts.running.textContent = String(tasksOn.get(name) ?? 0);
}

/** Ages move on between events. */
export function tickNodes() {
  for (const entry of cards.values()) if (entry.parts) sampledText(entry);
}

function newCard(name, i) {
  const id = `node-${i}`;
  const heading = el("h3", { id: `${id}-title` }, name, " ");
  const card = el(
    "article",
    { class: "card node", "data-node": name, "aria-labelledby": `${id}-title` },
    heading,
  );
  const metrics = el("dl", { class: "metrics" });
  const parts = { heading, metrics: {} };
  for (const m of METRICS) {
    const dd = fact(metrics, m.term);
    const number = el("span", { "data-field": m.field, class: "value" });
    const spark = el("span", { class: "spark-box" });
    dd.append(el("span", { class: "reading" }, number, m.unit), spark);
    parts.metrics[m.field] = { number, spark };
  }
  const facts = el("dl", { class: "facts" });
  parts.osArch = fact(facts, "OS / arch", "os_arch");
  parts.cores = fact(facts, "Cores", "cores");
  parts.capabilities = fact(facts, "Capabilities", "capabilities");
  parts.address = el("span", { "data-field": "address" });
  parts.resolution = el("span", { "data-field": "resolution" });
  parts.resolutionBox = el(
    "details",
    {},
    el("summary", {}, "How it was resolved"),
    parts.resolution,
  );
  fact(facts, "Address").append(parts.address, parts.resolutionBox);
  parts.sampled = fact(facts, "Sampled", "sampled_at");
  parts.running = fact(facts, "Tasks running", "running");
  parts.more = el("dl", { class: "facts more" });
  parts.notes = el("ul", { class: "notes", "data-field": "notes" });
  card.append(metrics, facts, parts.more, parts.notes);
  return { card, parts };
}

function addPoint(entry, node) {
  if (!node.sampled_at) return;
  const t = Date.parse(node.sampled_at);
  const point = [t, node.cpu_percent ?? 0, node.load_1m ?? 0, node.memory_percent ?? 0];
  const last = entry.points.at(-1);
  if (last && last[0] >= t) return;
  if (last && Math.floor(last[0] / BUCKET_MS) === Math.floor(t / BUCKET_MS))
    entry.points[entry.points.length - 1] = point;
  else entry.points.push(point);
  const since = serverNow() - hourMs;
  while (entry.points.length && entry.points[0][0] < since) entry.points.shift();
}

function fill(entry, name, node, isLocal) {
  const { parts } = entry;
  entry.node = node;
  parts.heading.replaceChildren(name, " ", stateBadge(node.status, "status"));
  const now = serverNow();
  const maxOf = { cpu_percent: 100, load_1m: Math.max(1, node.cores ?? 1), memory_percent: 100 };
  for (const m of METRICS) {
    const { number, spark } = parts.metrics[m.field];
    number.textContent = num(node[m.field]);
    spark.replaceChildren(sparkline(entry.points, m.column, maxOf[m.field], m.what, now, hourMs));
  }
  parts.osArch.textContent = `${node.os ?? "?"}/${node.arch ?? "?"}`;
  parts.cores.textContent = num(node.cores, 0);
  parts.capabilities.textContent = value("capabilities", node.capabilities) ?? "none";
  parts.address.textContent = address(node, isLocal);
  parts.running.textContent = String(tasksOn.get(name) ?? 0);
  parts.resolution.textContent = node.resolution ?? "";
  parts.resolutionBox.hidden = !node.resolution;
  sampledText(entry);
  parts.more.replaceChildren();
  for (const [key, v] of Object.entries(node)) {
    if (PLACED.has(key)) continue;
    const text = value(key, v);
    if (text !== undefined) fact(parts.more, heading(key), key).textContent = text;
  }
  const notes = [];
  if (node.last_error) notes.push(`Last error: ${node.last_error}`);
  else if (node.status === "degraded" && node.reasons?.length)
    notes.push(`Busy: ${node.reasons.join(", ")}`);
  for (const w of node.warnings ?? []) notes.push(`Warning: ${w}`);
  parts.notes.replaceChildren(...notes.map((n) => el("li", {}, n)));
}

function address(node, isLocal) {
  if (isLocal || node.is_local) return "this machine (sampled in-process)";
  if (!node.address) return "not resolved";
  if (node.resolved_via === "cache")
    return `${node.address} (cached from ${node.address_source ?? "?"}, ${ago((node.address_age_s ?? 0) * 1000)})`;
  return `${node.address} (via ${node.resolved_via ?? "?"})`;
}

function sampledText(entry) {
  const at = entry.node?.sampled_at;
  entry.parts.sampled.textContent = at ? ago(serverNow() - Date.parse(at)) : "never";
}
