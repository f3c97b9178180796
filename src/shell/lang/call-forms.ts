// How calls are written in interpreter code: name(args) (and Perl/Ruby name "args"), Lisp's
// (name args), and Python's import aliases (`import subprocess as s`, `__import__('os')`).
import { type Arg, readArgs, readBareArgs, skipGroup } from "./literals.ts";

export interface Call {
  name: string;
  paren: boolean;
  args: () => Arg[];
  at: number;
}

/** name(args) and, for Perl and Ruby, name "args" without parentheses. */
export function* calls(code: string): Generator<Call> {
  const bare = /([A-Za-z_$][\w$.:-]*)\s*(\(|(?=["'`]|q{1,2}[{([</|!]|%[qQwW][{([<]))/g;
  for (const m of code.matchAll(bare)) {
    const at = m.index ?? 0;
    const end = at + m[0].length;
    const paren = m[2] === "(";
    yield {
      name: m[1] as string,
      paren,
      at,
      args: () => (paren ? readArgs(code, end - 1) : readBareArgs(code, end)),
    };
  }
}

/** `__import__('os').system(...)` is `os.system(...)`. */
export function importsResolved(code: string): string {
  return code.replace(/__import__\(\s*['"]([\w.]+)['"]\s*\)\s*\./g, "$1.");
}

/** Python import names: `import subprocess as s` (s → subprocess), `from os import system`. */
export function pythonAliases(code: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of code.matchAll(/\bimport\s+([\w.]+)\s+as\s+(\w+)/g))
    out.set(m[2] as string, m[1] as string);
  for (const m of code.matchAll(/\bfrom\s+([\w.]+)\s+import\s+([\w\s,]+?)(?:$|[;\n)])/gm))
    for (const item of (m[2] as string).split(",")) {
      const [name, alias] = item.trim().split(/\s+as\s+/);
      if (name) out.set((alias ?? name).trim(), `${m[1]}.${name.trim()}`);
    }
  return out;
}

export function unalias(name: string, aliases: Map<string, string>): string {
  const [head, ...rest] = name.split(".");
  const full = aliases.get(head ?? "");
  return full ? [full, ...rest].join(".") : name;
}

/** (name arg arg...) forms of Lisp: the arguments are the words and strings up to the closing paren. */
export function* lispCalls(code: string): Generator<Call> {
  for (const m of code.matchAll(/\(\s*([A-Za-z][\w:*+/<>=-]*)/g)) {
    const at = m.index ?? 0;
    const open = at;
    yield {
      name: m[1] as string,
      paren: true,
      at,
      args: () => {
        const inner = code.slice(open + m[0].length, skipGroup(code, open) - 1);
        const words = inner.match(/"(?:[^"\\]|\\.)*"|\([^()]*\)|[^\s()]+/g) ?? [];
        return readArgs(`(${words.join(", ")})`, 0);
      },
    };
  }
}
