// Programs that run a command on items they find or read: xargs (items from stdin) and
// find -exec (each found path, standing in as the search root).
import type { Output, Value } from "./analysis.ts";
import type { Ctx, Runner } from "./runner.ts";

export function runXargs(args: Value[], ctx: Ctx, run: Runner): Output {
  let replace: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    if (a === "-I" || a === "--replace") replace = args[++i]?.text ?? "{}";
    else if (a.startsWith("-I")) replace = a.slice(2);
    else if (a === "-i" || a.startsWith("--replace=")) replace = a.split("=")[1] ?? "{}";
    else if (
      /^-[aEdLnPs]$/.test(a) ||
      /^--(arg-file|eof|delimiter|max-lines|max-args|max-procs|max-chars|process-slot-var)$/.test(a)
    )
      i++;
  }
  const command = args.slice(i);
  const input = ctx.stdin;
  // -I takes whole lines (leading blanks dropped); otherwise items are blank-separated words.
  const separator = replace === undefined ? /\s+/ : /\n[ \t]*/;
  const items =
    input.roots ??
    (input.text !== undefined ? input.text.trimStart().split(separator).filter(Boolean) : []);
  const taint = input.taint;
  const asValue = (text: string): Value => ({
    text,
    dynamic: input.text === undefined && !input.roots,
    taint,
  });
  const argv = command.length > 0 ? command : [{ text: "echo", dynamic: false }];
  if (replace === undefined) return run.runArgv([...argv, ...items.map(asValue)], ctx, "xargs");
  const token = replace;
  const outputs = (items.length > 0 ? items.slice(0, 16) : [""]).map((item) =>
    run.runArgv(
      argv.map((a) =>
        a.text.includes(token) ? { ...a, text: a.text.split(token).join(item) } : a,
      ),
      ctx,
      "xargs",
    ),
  );
  return outputs[0] ?? {};
}

/**
 * find [-H|-L|-P] [-D LIST] [-Olevel] [--] ROOTS... EXPRESSION: its starting points ("." when none
 * is given) and the index where the expression begins.
 */
export function findArgs(args: string[]): { roots: string[]; expression: number } {
  let i = 0;
  while (i < args.length && /^-[HLP]$|^-O\d$|^-D$/.test(args[i] as string))
    i += args[i] === "-D" ? 2 : 1;
  if (args[i] === "--") i++;
  const roots: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith("-") || a === "(" || a === "!") break;
    roots.push(a);
  }
  return { roots: roots.length > 0 ? roots : ["."], expression: i };
}

/** find ROOTS... EXPR: -exec/-execdir/-ok commands run with {} standing for each found path. */
export function runFind(args: Value[], ctx: Ctx, run: Runner): Output {
  const { roots, expression } = findArgs(args.map((a) => a.text));
  for (let i = expression; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test((args[i] as Value).text)) continue;
    const end = args.findIndex((a, k) => k > i && (a.text === ";" || a.text === "+"));
    const command = args.slice(i + 1, end < 0 ? undefined : end);
    for (const root of roots.slice(0, 16))
      run.runArgv(
        command.map((a) => ({ ...a, text: a.text.split("{}").join(root) })),
        ctx,
        "find",
      );
    i = end < 0 ? args.length : end;
  }
  return { roots };
}
