// Programs that run a command on items they find or read: xargs (items from stdin or a file) and
// find -exec (each found path, standing in as the search root), GNU parallel (items after :::).
import type { Output, Value } from "./analysis.ts";
import type { Ctx, Runner } from "./runner.ts";

/** Items we expand into separate runs at most; beyond that one run stands for the rest. */
const MAX_RUNS = 16;

export function runXargs(args: Value[], ctx: Ctx, run: Runner): Output {
  let replace: string | undefined;
  let delimiter: RegExp | undefined;
  let fromFile: Value | undefined;
  let procs: string | undefined;
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
    else if (a === "-0" || a === "--null") delimiter = /\0/;
    else if (a === "-d" || a === "--delimiter") delimiter = literal(args[++i]?.text ?? "\n");
    else if (a.startsWith("-d")) delimiter = literal(a.slice(2));
    else if (a === "-a" || a === "--arg-file") fromFile = args[++i];
    else if (a === "-P" || a === "--max-procs") procs = args[++i]?.text;
    else if (/^-P\d+$/.test(a)) procs = a.slice(2);
    else if (
      /^-[ELnNs]$/.test(a) ||
      /^--(eof|max-lines|max-args|max-chars|process-slot-var)$/.test(a)
    )
      i++;
  }
  const command = args.slice(i);
  const input: Output = fromFile ? { origin: `the file ${fromFile.text}` } : ctx.stdin;
  if (procs === "0" && input.endless)
    run.hazard("fork-loop", "xargs -P0 starts a process for every item of an input without end");
  // -I takes whole lines (leading blanks dropped); otherwise items are blank-separated words.
  const separator = delimiter ?? (replace === undefined ? /\s+/ : /\n[ \t]*/);
  const items =
    input.roots ??
    (input.text !== undefined ? input.text.trimStart().split(separator).filter(Boolean) : []);
  const unknown = input.text === undefined && !input.roots;
  const asValue = (text: string): Value => ({
    text,
    dynamic: unknown,
    ...(input.taint ? { taint: input.taint } : {}),
    ...(unknown ? { origin: input.origin ?? "the input of xargs" } : {}),
  });
  // Unknown input still feeds the command something: one unknown item stands for all of them.
  const values = unknown ? [asValue("")] : items.map(asValue);
  const argv = command.length > 0 ? command : [{ text: "echo", dynamic: false }];
  if (replace === undefined) return run.runArgv([...argv, ...values], ctx, "xargs");
  const token = replace;
  const outputs = (values.length > 0 ? values.slice(0, MAX_RUNS) : [asValue("")]).map((item) =>
    run.runArgv(
      argv.map((a) =>
        a.text.includes(token)
          ? {
              ...a,
              text: a.text.split(token).join(item.text),
              dynamic: a.dynamic || item.dynamic,
              ...(item.origin ? { origin: item.origin } : {}),
            }
          : a,
      ),
      ctx,
      "xargs",
    ),
  );
  return outputs[0] ?? {};
}

/** xargs -d '\n': the delimiter as written, with the usual backslash escapes. */
function literal(text: string): RegExp {
  const c = text.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\0/g, "\0").slice(0, 1);
  return new RegExp(c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") || "\n");
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

// What find acts on: each root, or, with a -name/-path filter and no -o, the matching files below
// it, written ROOT/**/PATTERN (find ~ -name '*.o' acts on ~/**/*.o, not on ~ itself).
export function findTargets(args: string[]): { targets: string[]; rootIndex: number[] } {
  const { roots, expression } = findArgs(args);
  const rootIndex = roots
    .map((r) => args.indexOf(r))
    .map((i) => (i < 0 || i >= expression ? -1 : i));
  const expr = args.slice(expression);
  const or = expr.some((a) => a === "-o" || a === "-or" || a === ",");
  let name: string | undefined;
  let path: string | undefined;
  for (let k = 0; k < expr.length && !or; k++) {
    const a = expr[k] as string;
    const v = expr[k + 1];
    if (/^-i?name$/.test(a) && v && !/^[*?]*$/.test(v)) name = v;
    if (/^-(i?path|i?wholename)$/.test(a) && v && !/^[*?]*$/.test(v)) path = v;
  }
  const targets = roots.map((root) => {
    const base = root.replace(/\/+$/, "") || "/";
    if (path) return path.startsWith("/") || path.startsWith(".") ? path : `${base}/${path}`;
    return name ? `${base === "/" ? "" : base}/**/${name}` : root;
  });
  return { targets, rootIndex };
}

/** find ROOTS... EXPR: -exec/-execdir/-ok commands run with {} standing for each found path. */
export function runFind(args: Value[], ctx: Ctx, run: Runner): Output {
  const { expression } = findArgs(args.map((a) => a.text));
  const { targets, rootIndex } = findTargets(args.map((a) => a.text));
  const rootValues = targets.map((text, k) => ({
    text,
    dynamic: args[rootIndex[k] ?? -1]?.dynamic ?? false,
  }));
  for (let i = expression; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test((args[i] as Value).text)) continue;
    const end = args.findIndex((a, k) => k > i && (a.text === ";" || a.text === "+"));
    const command = args.slice(i + 1, end < 0 ? undefined : end);
    const each = rootValues.length > 0 ? rootValues : [{ text: ".", dynamic: false }];
    for (const root of each.slice(0, MAX_RUNS))
      run.runArgv(
        command.map((a) =>
          a.text.includes("{}")
            ? { ...a, text: a.text.split("{}").join(root.text), dynamic: a.dynamic || root.dynamic }
            : a,
        ),
        ctx,
        "find",
      );
    i = end < 0 ? args.length : end;
  }
  // `find ... | xargs rm`: the items are what find matched.
  return { roots: targets };
}

/** parallel [OPTIONS] COMMAND ::: ARGS...: COMMAND (shell code) runs once per argument. */
export function runParallel(args: Value[], ctx: Ctx, run: Runner): Output {
  const sep = args.findIndex((a) => a.text === ":::" || a.text === "::::" || a.text === ":::+");
  const head = sep < 0 ? args : args.slice(0, sep);
  const items = sep < 0 ? [] : args.slice(sep + 1).filter((a) => !a.text.startsWith(":::"));
  let i = 0;
  for (; i < head.length; i++) {
    const a = (head[i] as Value).text;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-")) break;
    if (
      /^-[jSanNIdPEX]$|^--(jobs|sshlogin|arg-file|delimiter|max-args|colsep|tmpdir|workdir|results|joblog|timeout|retries)$/.test(
        a,
      )
    )
      i++;
  }
  const command = head.slice(i);
  const inputs =
    items.length > 0
      ? items.slice(0, MAX_RUNS)
      : [{ text: "", dynamic: sep < 0 && ctx.stdin.text === undefined }];
  for (const item of inputs) {
    // No command: each argument is itself a command line.
    if (command.length === 0) {
      run.runCode(item.dynamic ? "" : item.text, "parallel", ctx, { subshell: true });
      continue;
    }
    const words = command.map((a) => a.text);
    const placed = words.some((w) => /\{[^}]*\}/.test(w));
    const line = placed
      ? words.map((w) => w.replace(/\{[^}]*\}/g, item.text)).join(" ")
      : [...words, item.text].join(" ");
    run.runCode(line, "parallel", ctx, { subshell: true });
  }
  return {};
}
