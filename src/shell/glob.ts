// Shell glob patterns (* ? [...]) as regular expressions, and brace expansion ({a,b}, {1..3}).
import { TooComplexError } from "./analysis.ts";

const cache = new Map<string, RegExp>();

export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/** A whole-string matcher for a shell pattern; cached because node rules reuse a few patterns. */
export function globToRegExp(pattern: string, flags = ""): RegExp {
  const key = `${flags}\0${pattern}`;
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(`^${globSource(pattern, true)}$`, flags);
    if (cache.size > 1000) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** Regex source of a shell pattern; `greedy` false gives the shortest match (for ${x#p}). */
export function globSource(pattern: string, greedy: boolean): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") out += greedy ? "[\\s\\S]*" : "[\\s\\S]*?";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      const body = end < 0 ? undefined : bracketClass(pattern.slice(i + 1, end));
      if (body === undefined) out += "\\[";
      else {
        out += body;
        i = end;
      }
    } else if (c === "\\" && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[++i] as string);
    } else out += escapeRegExp(c);
  }
  return out;
}

/** A [...] class as a regex class; undefined when it is not one (`[z-a]`): then `[` is literal. */
function bracketClass(body: string): string | undefined {
  const cls = `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`.replace(/\\/g, "\\\\");
  try {
    new RegExp(cls);
    return cls;
  } catch {
    return undefined;
  }
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Most words a single brace expansion may produce before we stop expanding. */
const MAX_BRACE_WORDS = 256;

/**
 * Bash brace expansion. Beyond MAX_BRACE_WORDS words the command is refused as too complex rather
 * than partly expanded, which could hide a path (ranges alone are cut short: {1..1000} is common
 * and its words are harmless).
 */
export function expandBraces(template: string): string[] {
  const out: string[] = [];
  const queue = [template];
  while (queue.length > 0 && out.length + queue.length <= MAX_BRACE_WORDS) {
    const word = queue.shift() as string;
    const found = findBrace(word);
    if (!found) {
      out.push(word);
      continue;
    }
    const { start, end, alternatives } = found;
    for (const alt of alternatives) queue.push(word.slice(0, start) + alt + word.slice(end + 1));
  }
  if (queue.length > 0)
    throw new TooComplexError(`brace expansion makes more than ${MAX_BRACE_WORDS} words`);
  return out;
}

function findBrace(word: string): { start: number; end: number; alternatives: string[] } | null {
  for (let start = word.indexOf("{"); start >= 0; start = word.indexOf("{", start + 1)) {
    let depth = 0;
    const commas: number[] = [];
    for (let i = start; i < word.length; i++) {
      const c = word[i];
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        const body = word.slice(start + 1, i);
        if (commas.length > 0) {
          const cuts = [start, ...commas, i];
          const alternatives = cuts
            .slice(1)
            .map((cut, k) => word.slice((cuts[k] as number) + 1, cut));
          return { start, end: i, alternatives };
        }
        const range = sequence(body);
        if (range) return { start, end: i, alternatives: range };
        break;
      } else if (c === "," && depth === 1) commas.push(i);
    }
  }
  return null;
}

/** {1..5}, {a..e}, {1..10..2}. */
function sequence(body: string): string[] | null {
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(body);
  if (!m) return null;
  const [, from = "", to = "", stepText] = m;
  const numeric = /\d/.test(from) && /\d/.test(to);
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  const step = Math.max(1, Math.abs(Number(stepText ?? 1))) * (a <= b ? 1 : -1);
  const out: string[] = [];
  for (let v = a; a <= b ? v <= b : v >= b; v += step) {
    out.push(numeric ? String(v) : String.fromCharCode(v));
    if (out.length >= MAX_BRACE_WORDS) break;
  }
  return out;
}
