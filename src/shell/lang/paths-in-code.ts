// The path an expression in interpreter code names, when it is written out: a literal, the home
// (`Path.home()`, `os.path.expanduser('~')`, `process.env.HOME`...), the current directory, or a
// join of such parts. Anything else is not known.
import type { Arg } from "./literals.ts";
import { readArgs } from "./literals.ts";

const HOME = [
  /^(pathlib\.)?Path\.home\(\)$/,
  /^(os\.)?environ\[\s*['"]HOME['"]\s*\]$/,
  /^(os\.)?getenv\(\s*['"]HOME['"]\s*\)$/,
  /^process\.env\.HOME$|^process\.env\[\s*['"]HOME['"]\s*\]$/,
  /homedir\(\)$/,
  /^ENV\[\s*['"]HOME['"]\s*\]$|^\$ENV\{\s*['"]?HOME['"]?\s*\}$/,
  /^Dir\.home$|^Dir\.home\(\)$/,
  /^Sys\.getenv\(\s*['"]HOME['"]\s*\)$/,
  /^Deno\.env\.get\(\s*['"]HOME['"]\s*\)$/,
];
const CWD =
  /^(os\.getcwd\(\)|process\.cwd\(\)|Dir\.pwd|getcwd\(\)|Deno\.cwd\(\)|pwd\(\)|getwd\(\)|(pathlib\.)?Path\.cwd\(\))$/;
/** Wrappers that only make a path object of their argument: Path('/x'), File.new('/x')... */
const WRAP =
  /^(pathlib\.)?(Path|PurePath|PosixPath|Pathname\.new|File\.new|path\.resolve|path\.normalize|os\.path\.(abspath|realpath|normpath|expanduser)|expanduser|File\.expand_path|path\.expand|normalizePath|realpath|abspath)\s*\(/;
const JOIN =
  /^(os\.path\.join|path\.join|posixpath\.join|File\.join|file\.path|joinpath|Path\.join|catfile|File::Spec->catfile)\s*\(/;

export function pathOf(arg: Arg): string | undefined {
  if (arg.kind === "str") return arg.value;
  if (arg.kind !== "expr") return undefined;
  const t = arg.text.trim();
  if (HOME.some((re) => re.test(t))) return "~";
  if (CWD.test(t)) return ".";
  const wrap = WRAP.exec(t);
  if (wrap) {
    const inner = readArgs(t, wrap[0].length - 1)[0];
    return inner ? pathOf(inner) : undefined;
  }
  const join = JOIN.exec(t);
  if (join) {
    const parts = readArgs(t, join[0].length - 1).map(pathOf);
    if (parts.some((p) => p === undefined)) return undefined;
    return (parts as string[]).reduce((a, b) =>
      b.startsWith("/") ? b : `${a.replace(/\/+$/, "")}/${b}`,
    );
  }
  // Path.home() / "x" (pathlib's / operator).
  const slash = /^(.+?)\s*\/\s*(['"][^'"]*['"])$/.exec(t);
  if (slash) {
    const base = pathOf({ kind: "expr", text: slash[1] as string });
    const rest = (slash[2] as string).slice(1, -1);
    return base === undefined ? undefined : `${base}/${rest}`;
  }
  return undefined;
}
