// Builtins that change what later words mean or where later commands run: cd/pushd/popd, read,
// mapfile, set (positional parameters, errexit), printf -v, exec (descriptors), and the commands
// that make one path stand for another (ln -s, mount --bind).
import type { Output, Value } from "./analysis.ts";
import { formatPrintf } from "./known-outputs.ts";
import type { Ctx, Runner } from "./runner.ts";

const NOTHING: Output = { text: "" };

export function runBuiltin(name: string, args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  switch (name) {
    case "cd":
    case "pushd": {
      const operands = args.filter((a) => !/^-[LPe@]+$/.test(a.text) && a.text !== "--");
      run.changeDirectory(name, operands.length > 0 ? operands.slice(0, 1) : undefined, ctx);
      return NOTHING;
    }
    case "popd":
      run.changeDirectory("popd", undefined, ctx);
      return NOTHING;
    case "read":
      readInto(args, ctx.stdin, run, ctx);
      return NOTHING;
    case "mapfile":
    case "readarray":
      mapLines(args, ctx.stdin, run);
      return NOTHING;
    case "set": {
      const positional = newPositionals(args);
      if (positional) run.setPositional(positional);
      if (errexit(args) !== undefined) run.setErrexit(errexit(args) as boolean);
      return NOTHING;
    }
    case "printf":
      if (args[0]?.text === "-v" && args[1]) {
        const text = args.slice(2).some((a) => a.dynamic)
          ? undefined
          : formatPrintf(
              args[2]?.text ?? "",
              args.slice(3).map((a) => a.text),
            );
        run.setVar(args[1].text, [{ text: text ?? "", dynamic: text === undefined }]);
        return NOTHING;
      }
      return undefined;
    case "exec":
      // `exec 3<<< TEXT` with no command: the descriptors stay open for the rest of the script.
      if (args.length === 0)
        for (const [fd, content] of Object.entries(ctx.fds)) run.openFd(fd, content);
      return NOTHING;
    case "ln":
      symlink(args, run);
      return undefined;
    case "mount":
    case "bindfs":
      bindMount(name, args, run);
      return undefined;
    default:
      return undefined;
  }
}

/** ln -s TARGET LINK: LINK now stands for TARGET (`ln -sfn / x && rm -rf x/*`). */
function symlink(args: Value[], run: Runner): void {
  const options = args.filter((a) => a.text.startsWith("-") && a.text !== "-");
  const symbolic = options.some((a) => /^-[a-zA-Z]*s/.test(a.text) || a.text === "--symbolic");
  const operands = args.filter((a) => !a.text.startsWith("-") || a.text === "-");
  const [target, link] = operands;
  if (!symbolic || !target || !link || target.dynamic || link.dynamic) return;
  // ln -s TARGET DIR/ makes DIR/basename(TARGET).
  const name = link.text.endsWith("/")
    ? `${link.text}${target.text.replace(/\/+$/, "").split("/").pop() ?? ""}`
    : link.text;
  run.link(target.text, name);
}

/** mount --bind / -o bind / --rbind SRC DST, bindfs SRC DST: DST shows SRC from now on. */
function bindMount(name: string, args: Value[], run: Runner): void {
  const texts = args.map((a) => a.text);
  const bind =
    name === "bindfs" ||
    texts.some((t) => t === "--bind" || t === "--rbind" || t === "-B" || t === "-R") ||
    texts.some((t, k) => texts[k - 1] === "-o" && /(^|,)r?bind(,|$)/.test(t));
  if (!bind) return;
  const operands: Value[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = (args[i] as Value).text;
    if (t === "-o" || t === "-t" || t === "--options" || t === "--types") i++;
    else if (!t.startsWith("-")) operands.push(args[i] as Value);
  }
  const [source, target] = operands.slice(-2);
  if (source && target && !source.dynamic && !target.dynamic) run.link(source.text, target.text);
}

function readInto(args: Value[], stdin: Output, run: Runner, ctx: Ctx): void {
  const words =
    stdin.text === undefined ? undefined : fieldsOf(stdin.text.split("\n")[0] ?? "", run, ctx);
  const array = optionValue(args, "a", "--array");
  if (array) {
    setArray(array.text, words, stdin, run); // read -a NAME: one word each
    return;
  }
  const names = skipOptions(args, "adinNptu", []).map((a) => a.text);
  const dynamic = stdinValue(stdin);
  (names.length > 0 ? names : ["REPLY"]).forEach((name, k, all) => {
    const last = k === all.length - 1;
    const text = words ? (last ? words.slice(k).join(" ") : (words[k] ?? "")) : "";
    run.setVar(name, [{ ...dynamic, text, dynamic: !words }]);
  });
}

/** A line split on IFS (`IFS=: read -ra p`): its whitespace collapses, other characters separate. */
function fieldsOf(line: string, run: Runner, ctx: Ctx): string[] {
  const ifs = run.lookup("IFS", ctx)?.[0];
  if (!ifs || ifs.dynamic) return line.trim().split(/\s+/);
  const chars = [...new Set(ifs.text)];
  const blank = chars.filter((c) => " \t\n".includes(c)).join("");
  const other = chars
    .filter((c) => !" \t\n".includes(c))
    .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join("");
  const trimmed = blank ? line.replace(new RegExp(`^[${blank}]+|[${blank}]+$`, "g"), "") : line;
  const parts = [blank ? `[${blank}]+` : "", other ? `[${other}]` : ""].filter(Boolean).join("|");
  return parts ? trimmed.split(new RegExp(parts)) : [trimmed];
}

/** What an unknown stdin gives a variable: its taint and where it came from. */
function stdinValue(stdin: Output): Pick<Value, "taint" | "origin"> {
  const origin = stdin.origin ?? (stdin.file ? `cat ${stdin.file}` : undefined);
  return {
    ...(stdin.taint ? { taint: stdin.taint } : {}),
    ...(stdin.text === undefined && origin ? { origin } : {}),
  };
}

/** mapfile / readarray [-t] [NAME]: one line of stdin each (into MAPFILE by default). */
function mapLines(args: Value[], stdin: Output, run: Runner): void {
  const name = skipOptions(args, "dnOsuCc", [])[0]?.text ?? "MAPFILE";
  setArray(name, stdin.text?.replace(/\n$/, "").split("\n"), stdin, run);
}

function setArray(name: string, elements: string[] | undefined, stdin: Output, run: Runner): void {
  // Unknown lines: an array of unknown elements, not an empty one.
  if (!elements) {
    run.setVar(name, [{ ...stdinValue(stdin), text: "", dynamic: true }]);
    return;
  }
  run.setVar(name, [
    { ...stdinValue(stdin), text: elements.join(" "), fields: elements, dynamic: false },
  ]);
}

/** set [-eux] [-o NAME] [--] ARGS: the new positional parameters; undefined when they stay. */
function newPositionals(args: Value[]): Value[] | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return args.slice(i + 1);
    if (a === "-") return i + 1 < args.length ? args.slice(i + 1) : undefined;
    if (!/^[-+]./.test(a)) return args.slice(i);
    if (a.includes("o")) i++; // -o NAME / -euo NAME
  }
  return undefined;
}

/** set -e / set -o errexit: true; set +e: false; undefined when not mentioned. */
function errexit(args: Value[]): boolean | undefined {
  let on: boolean | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") break;
    if (/^[-+][a-zA-Z]*e/.test(a)) on = a.startsWith("-");
    if (/^[-+][a-zA-Z]*o$/.test(a) && args[i + 1]?.text === "errexit") on = a.startsWith("-");
  }
  return on;
}

/** Arguments after the options; `valued` short letters and long names take a value. */
export function skipOptions(args: Value[], valued: string, valuedLong: string[]): Value[] {
  let i = 0;
  for (; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return args.slice(i + 1);
    if (!a.startsWith("-") || a === "-") break;
    if (valuedLong.includes(a)) i++;
    else if (!a.startsWith("--") && valued.includes(a.slice(-1)) && a.length === 2) i++;
  }
  return args.slice(i);
}

/** The value of -c CODE / --command CODE / --command=CODE / -lc CODE. */
export function optionValue(args: Value[], short: string, long: string): Value | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === long || (/^-[A-Za-z]+$/.test(a) && a.endsWith(short))) return args[i + 1];
    if (a.startsWith(`${long}=`)) return { ...(args[i] as Value), text: a.slice(long.length + 1) };
  }
  return undefined;
}
