// A command line built at run time from literal pieces and values (`'rm -rf ' + d`, "mkdir -p " $1,
// f"git checkout {branch}", "rm -rf $dir"): the shell text with each value as an unknown word, so
// the walk judges the program and its known arguments, and the unknown ones as unknown.
import { readString } from "./literals.ts";

/** The variable standing for a value the interpreter computes (unknown to the walk). */
export const RUNTIME_VALUE = '"$RUNTIME_VALUE"';

/**
 * Shell text for an expression that starts with a string literal; undefined when it does not
 * (`os.system(cmd)`: nothing of the command is written out).
 */
export function commandTemplate(expr: string): string | undefined {
  const text = expr.trim();
  let out = "";
  let k = 0;
  let first = true;
  while (k < text.length) {
    const s = readString(text, k);
    if (s) {
      out += s.interpolated ? holes(s.value) : s.value;
      k = s.end;
      first = false;
      continue;
    }
    if (first) return undefined;
    // A gap between literals: operators alone join them; anything else is a value.
    const next = nextLiteral(text, k);
    const gap = text.slice(k, next);
    if (!/^[\s+.~]*$/.test(gap)) out += RUNTIME_VALUE;
    k = next;
  }
  return out.trim() === "" ? undefined : out;
}

/** Where the next string literal starts (or the end), skipping brackets so calls stay one value. */
function nextLiteral(text: string, from: number): number {
  let depth = 0;
  for (let k = from; k < text.length; k++) {
    const c = text[k] as string;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && (c === '"' || c === "'" || c === "`") && readString(text, k)) return k;
  }
  return text.length;
}

/** Interpolation holes ({x}, ${x}, $x, #{x}) in a literal become unknown words. */
function holes(value: string): string {
  return value.replace(/\$\{[^}]*\}|#\{[^}]*\}|\{[^}]*\}|\$[A-Za-z_][\w]*/g, RUNTIME_VALUE);
}
