// A sparkline of the last hour: an inline SVG line, described in words for screen readers.
import { num } from "./format.mjs";

const SVG = "http://www.w3.org/2000/svg";
const W = 100;
const H = 24;

/** The shortest time axis: a young history is drawn across the box, not as a dot at its end. */
const MIN_SPAN_MS = 10_000;

/**
 * points: [t, cpu, load, mem][], oldest first; column: which value; max: the top of the scale (at
 * least the highest value). The time axis ends at `now` and starts at the oldest point (at most
 * an hour back).
 */
export function sparkline(points, column, max, what, now, hourMs) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  const values = points.map((p) => p[column]);
  const top = Math.max(max, ...values, 1e-9);
  const start = Math.max(now - hourMs, Math.min(points[0]?.[0] ?? now, now - MIN_SPAN_MS));
  const span = now - start;
  const since = new Date(start).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  const text = values.length
    ? `${what} since ${since}: low ${num(Math.min(...values))}, high ${num(Math.max(...values))}, now ${num(values.at(-1))}`
    : `${what}: no samples yet`;
  svg.setAttribute("aria-label", text);
  const title = document.createElementNS(SVG, "title");
  title.textContent = text;
  svg.append(title);
  const axis = document.createElementNS(SVG, "line");
  for (const [k, v] of Object.entries({ x1: 0, x2: W, y1: H - 0.5, y2: H - 0.5, class: "axis" }))
    axis.setAttribute(k, String(v));
  svg.append(axis);
  if (!points.length) return svg;
  const coords = points.map((p) => {
    const x = Math.max(0, Math.min(W, ((p[0] - start) / span) * W));
    const y = H - 1 - (p[column] / top) * (H - 2);
    return `${num(x, 2)},${num(y, 2)}`;
  });
  if (coords.length === 1) coords.unshift(`0,${coords[0].split(",")[1]}`);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coords.join(" "));
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(line);
  return svg;
}
