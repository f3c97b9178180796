// A small reader for the code of other languages (Python, Perl, Ruby, JavaScript, PHP, Lua, R,
// awk...): string literals, and the arguments of a call as literals, lists or other expressions.
// It does not parse the language; it finds what a call is given when that is written out.

export type Arg =
  | { kind: "str"; value: string }
  | { kind: "list"; items: Arg[] }
  | { kind: "expr"; text: string };

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/**
 * The string literal starting at code[i] (', ", `, Python triple quotes, r/b/u/f prefixes), or
 * undefined. `interpolated` marks an f-string, "${...}" or "#{...}" with a hole in it.
 */
export function readString(
  code: string,
  i: number,
): { value: string; end: number; interpolated: boolean } | undefined {
  let start = i;
  const afterWord = i > 0 && /[\w$]/.test(code[i - 1] as string);
  if (!afterWord && (code[i] === "q" || code[i] === "%")) {
    const perl = quoteLike(code, i);
    if (perl) return perl;
  }
  const prefix = afterWord
    ? ""
    : (/^[rRbBuUfF]{1,2}(?=['"])/.exec(code.slice(i, i + 3))?.[0] ?? "");
  start += prefix.length;
  const q = code[start];
  if (q !== "'" && q !== '"' && q !== "`") return undefined;
  const triple = code.startsWith(q.repeat(3), start) ? q.repeat(3) : q;
  const raw = /r/i.test(prefix);
  let value = "";
  let k = start + triple.length;
  while (k < code.length) {
    if (code.startsWith(triple, k)) {
      const interpolated = /f/i.test(prefix)
        ? /\{[^}]*\}/.test(value)
        : q !== "'" && /\$\{|#\{|\$[A-Za-z_]/.test(value);
      return { value, end: k + triple.length, interpolated };
    }
    const c = code[k] as string;
    if (c === "\\" && !raw && k + 1 < code.length) {
      value += unescapeAt(code, k);
      k += escapeLength(code, k);
      continue;
    }
    value += c;
    k++;
  }
  return undefined;
}

const PAIRS: Record<string, string> = { "{": "}", "(": ")", "[": "]", "<": ">" };

/** Perl q{...} / qq{...} and Ruby %q(...) / %Q(...): a string with chosen delimiters. */
function quoteLike(
  code: string,
  i: number,
): { value: string; end: number; interpolated: boolean } | undefined {
  const m = /^(qq|q|%q|%Q)([{([</|!#])/.exec(code.slice(i, i + 4));
  if (!m) return undefined;
  const open = m[2] as string;
  const close = PAIRS[open] ?? open;
  let depth = 1;
  let k = i + m[0].length;
  let value = "";
  while (k < code.length) {
    const c = code[k] as string;
    if (c === "\\" && k + 1 < code.length) {
      value += code[k + 1];
      k += 2;
      continue;
    }
    if (c === open && close !== open) depth++;
    else if (c === close && --depth === 0) return { value, end: k + 1, interpolated: false };
    value += c;
    k++;
  }
  return undefined;
}

function escapeLength(code: string, k: number): number {
  const next = code[k + 1];
  if (next === "x") return 4;
  if (next === "u") return code[k + 2] === "{" ? code.indexOf("}", k) - k + 1 : 6;
  if (next !== undefined && /[0-7]/.test(next))
    return 1 + (/^[0-7]{1,3}/.exec(code.slice(k + 1))?.[0].length ?? 1);
  return 2;
}

function unescapeAt(code: string, k: number): string {
  const next = code[k + 1] as string;
  const simple: Record<string, string> = {
    n: "\n",
    t: "\t",
    r: "\r",
    "0": "\0",
    a: "\x07",
    e: "\x1b",
  };
  if (next === "x") return String.fromCharCode(Number.parseInt(code.slice(k + 2, k + 4), 16));
  if (next === "u") {
    const hex =
      code[k + 2] === "{" ? code.slice(k + 3, code.indexOf("}", k)) : code.slice(k + 2, k + 6);
    return String.fromCodePoint(Number.parseInt(hex, 16) || 0);
  }
  if (/[0-7]/.test(next)) {
    const digits = /^[0-7]{1,3}/.exec(code.slice(k + 1))?.[0] ?? "0";
    return digits === "0" ? "\0" : String.fromCharCode(Number.parseInt(digits, 8));
  }
  return simple[next] ?? next;
}

/** Index just past the bracketed group opening at code[open]. */
export function skipGroup(code: string, open: number): number {
  const stack: string[] = [CLOSERS[code[open] as string] ?? ")"];
  let k = open + 1;
  while (k < code.length && stack.length > 0) {
    const s = readString(code, k);
    if (s) {
      k = s.end;
      continue;
    }
    const c = code[k] as string;
    if (CLOSERS[c]) stack.push(CLOSERS[c] as string);
    else if (c === stack.at(-1)) stack.pop();
    k++;
  }
  return k;
}

/** The arguments of a call whose "(" is at code[open]. */
export function readArgs(code: string, open: number): Arg[] {
  const end = skipGroup(code, open);
  return splitTop(code.slice(open + 1, end - 1)).map(toArg);
}

/** Arguments written without parentheses (perl `system "a", "b";`): up to ; or the line's end. */
export function readBareArgs(code: string, start: number): Arg[] {
  let k = start;
  while (k < code.length && !/[;\n}]/.test(code[k] as string)) {
    const s = readString(code, k);
    if (s) k = s.end;
    else if (CLOSERS[code[k] as string]) k = skipGroup(code, k);
    else k++;
  }
  return splitTop(code.slice(start, k)).map(toArg);
}

/** Splits on commas outside strings and brackets. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  let k = 0;
  while (k < text.length) {
    const s = readString(text, k);
    if (s) {
      k = s.end;
      continue;
    }
    const c = text[k] as string;
    if (CLOSERS[c]) {
      k = skipGroup(text, k);
      continue;
    }
    if (c === ",") {
      parts.push(text.slice(last, k));
      last = k + 1;
    }
    k++;
  }
  parts.push(text.slice(last));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function toArg(text: string): Arg {
  const t = text.replace(/^\w+\s*=\s*(?!=)/, "").trim(); // keyword argument: name=value
  const s = readString(t, 0);
  if (s && s.end === t.length)
    return s.interpolated ? { kind: "expr", text: t } : { kind: "str", value: s.value };
  const joined = concatenation(t);
  if (joined !== undefined) return { kind: "str", value: joined };
  // [..] (..) qw(..) %w(..) c(..) array(..): a list.
  const list = /^(?:qw|%w|%W|c|array|list|tuple)?\s*([[(])/.exec(t);
  if (list && skipGroup(t, list[0].length - 1) === t.length) {
    const open = list[0].length - 1;
    const inner = t.slice(open + 1, -1);
    if (/^(qw|%w|%W)/.test(t))
      return {
        kind: "list",
        items: inner
          .split(/\s+/)
          .filter(Boolean)
          .map((value) => ({ kind: "str", value })),
      };
    return { kind: "list", items: splitTop(inner).map(toArg) };
  }
  return { kind: "expr", text: t };
}

/** "a" + "b", 'a' . 'b', "a" .. "b": every piece a literal. */
function concatenation(text: string): string | undefined {
  let k = 0;
  let out = "";
  let pieces = 0;
  while (k < text.length) {
    const s = readString(text, k);
    if (!s || s.interpolated) return undefined;
    out += s.value;
    pieces++;
    // "a" + "b", 'a' . 'b', "a" .. "b", and "a" "b" side by side (Python, awk, C).
    const op = /^(\s*(\+|\.\.?|~)\s*|\s+)(?=\S)/.exec(text.slice(s.end));
    if (!op) return s.end === text.length && pieces > 1 ? out : undefined;
    k = s.end + op[0].length;
  }
  return undefined;
}

/** Every string literal in CODE (for code that hands an unknown string to a shell). */
export function stringLiterals(code: string): string[] {
  const out: string[] = [];
  let k = 0;
  while (k < code.length && out.length < 256) {
    const c = code[k];
    if (c === "#" && /(^|\n)\s*$/.test(code.slice(Math.max(0, k - 80), k))) {
      const nl = code.indexOf("\n", k);
      k = nl < 0 ? code.length : nl;
      continue;
    }
    const s = readString(code, k);
    if (s) {
      out.push(s.value);
      k = s.end;
    } else k++;
  }
  return out;
}
