// Quote removal: what the shell turns backslash escapes and $'...' strings into.

/** Outside quotes a backslash keeps the next character literally; backslash-newline joins lines. */
export function unescapeUnquoted(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\([\s\S])/g, (_, c: string) => (c === "\n" ? "" : c));
}

/** Inside "..." a backslash only escapes $ ` " \ and newline. */
export function unescapeDoubleQuoted(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === "\n" ? "" : c));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** $'...' (ANSI-C quoting): decoded because $'\x72\x6d' is just another spelling of rm. */
export function decodeAnsiC(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|[\s\S])/g,
    (whole, esc: string) => {
      const head = esc[0] as string;
      if (head === "x" || head === "u" || head === "U")
        return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
      if (/[0-7]/.test(head)) return String.fromCharCode(Number.parseInt(esc, 8) & 0xff);
      if (head === "c" && esc.length === 2) return String.fromCharCode(esc.charCodeAt(1) & 0x1f);
      return SIMPLE_ESCAPES[esc] ?? whole;
    },
  );
}

/** printf's and `echo -e`'s backslash escapes: like $'...', but \c ends the output and \0NNN is octal. */
export function decodePrintfEscapes(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return decodeAnsiC(raw.replace(/\\c[\s\S]*$/, "").replace(/\\0([0-7]{1,3})/g, "\\$1"));
}
