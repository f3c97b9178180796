// PowerShell code (pwsh -c): Remove-Item and its aliases with -Recurse are tree deletes;
// Set-Content/Out-File/Clear-Content write files; Set-Location moves; any other statement runs a
// program much as the shell would, so it is handed to the walk as a command line.
import type { Action } from "./scan.ts";

const REMOVE = /^(Remove-Item|rm|ri|del|erase|rd|rmdir)$/i;
const WRITE = /^(Set-Content|Add-Content|Out-File|Clear-Content|sc|ac|clc)$/i;
const MOVE = /^(Set-Location|cd|sl|chdir|Push-Location|pushd)$/i;

export function pwshActions(code: string): Action[] {
  const actions: Action[] = [];
  for (const statement of code.split(/[;\n]|\|/)) {
    const words =
      statement
        .trim()
        .match(/'[^']*'|"[^"]*"|\S+/g)
        ?.map(unquote) ?? [];
    const [verb, ...rest] = words;
    if (!verb) continue;
    const call = statement.trim();
    const params = rest.filter((w) => w.startsWith("-"));
    const operands = rest.filter(
      (w, k) =>
        !w.startsWith("-") && !/^-(Path|LiteralPath|Value|Encoding)$/i.test(rest[k - 1] ?? ""),
    );
    const named = (p: string) => {
      const k = rest.findIndex((w) => new RegExp(`^-${p}$`, "i").test(w));
      return k < 0 ? undefined : rest[k + 1];
    };
    const path = named("(Path|LiteralPath|FilePath)") ?? operands[0];
    if (REMOVE.test(verb)) {
      const recurse = params.some((p) => /^-r(e(c(u(r(se?)?)?)?)?)?$/i.test(p));
      if (path) actions.push({ kind: recurse ? "delete-tree" : "delete", path, call });
    } else if (WRITE.test(verb)) {
      if (path) actions.push({ kind: "write", path, call });
    } else if (MOVE.test(verb)) {
      if (path) actions.push({ kind: "chdir", path, call });
    } else actions.push({ kind: "shell", code: statement, call });
  }
  return actions;
}

function unquote(w: string): string {
  return /^'.*'$|^".*"$/.test(w) ? w.slice(1, -1) : w;
}
