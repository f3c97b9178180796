// What a program prints when that is statically known: echo, printf, pwd, mktemp (a fresh path),
// which/command -v, dirname/basename, small seq; and outputs without end (yes, cat /dev/zero).
import { mergeTaint, type Output, type Taint, UNKNOWN_DIR, type Value } from "./analysis.ts";
import { decodePrintfEscapes } from "./unescape.ts";

/** Devices that read without end. */
const ENDLESS_SOURCES = new Set(["/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"]);
/** Output larger than this counts as without end (head -c 10T /dev/zero). */
const HUGE_BYTES = 100 * 2 ** 30;
const MAX_SEQ_TEXT = 256;

/** undefined: nothing known about this program's output. */
export function knownOutput(
  name: string,
  args: Value[],
  stdin: Output,
  dirs: string[],
): Output | undefined {
  const texts = args.map((a) => a.text);
  switch (name) {
    case "echo":
      return echoOutput(args);
    case "printf":
      return printfOutput(args);
    case "pwd":
      return dirs.length === 1 && dirs[0] !== UNKNOWN_DIR
        ? { text: `${dirs[0]}\n` }
        : { origin: "pwd" };
    case "mktemp":
      return { text: `${mktempPath(texts)}\n` };
    case "which":
    case "type":
    case "command": {
      // which rm / command -v rm / type -P rm: where the program is; its name is what matters.
      const names = texts.filter((t) => !t.startsWith("-"));
      if (name !== "which" && !texts.some((t) => /^-[vVpP]+$/.test(t))) return undefined;
      if (args.some((a) => a.dynamic) || names.length === 0) return undefined;
      return { text: `${names.map((n) => (n.includes("/") ? n : `/usr/bin/${n}`)).join("\n")}\n` };
    }
    case "dirname":
    case "basename": {
      const operands = args.filter((a) => !a.text.startsWith("-"));
      if (operands.length === 0 || operands.some((a) => a.dynamic)) return undefined;
      const fn = name === "dirname" ? dirnameOf : basenameOf;
      const list = name === "basename" ? operands.slice(0, 1) : operands;
      return { text: list.map((a) => `${fn(a.text)}\n`).join("") };
    }
    case "git":
      // git rev-parse --show-toplevel: the repository this directory is in, taken as here.
      if (
        texts.includes("rev-parse") &&
        texts.includes("--show-toplevel") &&
        dirs.length === 1 &&
        dirs[0] !== UNKNOWN_DIR
      )
        return { text: `${dirs[0]}\n` };
      return undefined;
    case "yes":
      return { endless: true, origin: "yes" };
    case "seq":
      return seqOutput(texts);
    case "cat":
      if (texts.some((t) => ENDLESS_SOURCES.has(t)))
        return { endless: true, origin: `cat ${texts.join(" ")}` };
      // cat <(...) <(...): the substitutions' known output.
      if (args.length > 0 && args.every((a) => a.content !== undefined))
        return { text: args.map((a) => `${a.content}\n`).join("") };
      // cat with no file operand (or - and /dev/stdin) passes its input through.
      return texts.every(isStdinPath) ? stdin : undefined;
    case "tee":
      return texts.every((t) => t === "-" || t.startsWith("-")) ? stdin : undefined;
    case "head": {
      const size = headBytes(texts);
      if (size !== undefined && size >= HUGE_BYTES)
        return { endless: true, origin: `head ${texts.join(" ")}` };
      return undefined;
    }
    case "ls":
      return { roots: lsRoots(texts) };
    default:
      return undefined;
  }
}

/** -, /dev/stdin, /dev/fd/0, /proc/self/fd/0: what a program reads as a file is its stdin. */
export function isStdinPath(path: string): boolean {
  return (
    path === "-" || path === "/dev/stdin" || /^\/(dev|proc\/(self|\$\$|\d+))\/fd\/0$/.test(path)
  );
}

/** mktemp [-d] [-p DIR | -t] [TEMPLATE]: a new, empty path of its own (never a protected one). */
function mktempPath(args: string[]): string {
  let dir: string | undefined;
  let template: string | undefined;
  let tmpdir = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-p" || a === "--tmpdir") dir = args[++i];
    else if (a.startsWith("--tmpdir=")) dir = a.slice(9);
    else if (a.startsWith("-p") && a.length > 2) dir = a.slice(2);
    else if (/^-[a-z]*t/.test(a)) tmpdir = true;
    else if (!a.startsWith("-")) template = a;
  }
  const base = template ?? "tmp.XXXXXXXXXX";
  if (base.includes("/") && !dir && !tmpdir) return base;
  return `${(dir ?? "/tmp").replace(/\/+$/, "")}/${base.split("/").pop()}`;
}

function dirnameOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return path.startsWith("/") ? "/" : ".";
  const i = trimmed.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : trimmed.slice(0, i).replace(/\/+$/, "") || "/";
}

function basenameOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === ""
    ? path.startsWith("/")
      ? "/"
      : ""
    : trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** seq [FIRST [INCR]] LAST: short ones as text, inf or a great many lines as without end. */
function seqOutput(args: string[]): Output | undefined {
  const numbers = args.filter((a) => !/^-[a-z]/.test(a));
  if (numbers.some((n) => /^inf(inity)?$/i.test(n)))
    return { endless: true, origin: `seq ${args.join(" ")}` };
  const [first, incr, last] =
    numbers.length === 1
      ? [1, 1, Number(numbers[0])]
      : numbers.length === 2
        ? [Number(numbers[0]), 1, Number(numbers[1])]
        : numbers.map(Number);
  if (![first, incr, last].every((n) => Number.isFinite(n)) || incr === 0 || numbers.length > 3)
    return undefined;
  const count = Math.floor(((last as number) - (first as number)) / (incr as number)) + 1;
  if (count > 100_000) return { endless: true, origin: `seq ${args.join(" ")}` };
  if (count > MAX_SEQ_TEXT || count < 0) return undefined;
  return {
    text: Array.from(
      { length: count },
      (_, k) => `${(first as number) + k * (incr as number)}\n`,
    ).join(""),
  };
}

/** head -c SIZE: its byte count (K, M, G, T suffixes), if given. */
function headBytes(args: string[]): number | undefined {
  const k = args.findIndex(
    (a) => a === "-c" || a === "--bytes" || /^-c\S/.test(a) || a.startsWith("--bytes="),
  );
  if (k < 0) return undefined;
  const a = args[k] as string;
  const raw = a === "-c" || a === "--bytes" ? args[k + 1] : a.replace(/^-c|^--bytes=/, "");
  const m = /^(\d+)([KMGTPE]?)(i?B)?$/i.exec(raw ?? "");
  if (!m) return undefined;
  const power = " KMGTPE".indexOf((m[2] || " ").toUpperCase());
  return Number(m[1]) * 1024 ** Math.max(0, power);
}

/**
 * `ls DIR` prints the entries of DIR (`ls -d DIR` DIR itself): as items for `| xargs rm`, they
 * stand for DIR/* (an unknown working directory leaves them relative).
 */
function lsRoots(args: string[]): string[] {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  const operands = [
    ...options.filter((a) => !a.startsWith("-") || a === "-"),
    ...(end < 0 ? [] : args.slice(end + 1)),
  ];
  const itself = options.some((a) => /^-[a-zA-Z1]*d/.test(a) || a === "--directory");
  if (itself) return operands.length > 0 ? operands : ["."];
  return (operands.length > 0 ? operands : ["."]).map((d) => `${d.replace(/\/+$/, "")}/*`);
}

function argsTaint(args: Value[]): Output {
  const tainted = args.find((a) => a.taint);
  if (tainted)
    return {
      taint: args.reduce<Taint | undefined>((t, a) => mergeTaint(t, a.taint), undefined),
      producer: "$(...)",
    };
  const origin = args.find((a) => a.dynamic)?.origin;
  return origin ? { origin } : { origin: args.map((a) => a.text).join(" ") };
}

function echoOutput(args: Value[]): Output {
  let i = 0;
  let newline = true;
  let escapes = false;
  while (i < args.length && /^-[neE]+$/.test((args[i] as Value).text)) {
    const flags = (args[i] as Value).text;
    if (flags.includes("n")) newline = false;
    if (flags.includes("e")) escapes = true;
    i++;
  }
  const rest = args.slice(i);
  if (rest.some((a) => a.dynamic)) return argsTaint(rest);
  const text = rest.map((a) => a.text).join(" ");
  return { text: (escapes ? decodePrintfEscapes(text) : text) + (newline ? "\n" : "") };
}

function printfOutput(args: Value[]): Output {
  const start = args[0]?.text === "--" ? 1 : 0;
  const format = args[start];
  const values = args.slice(start + 1);
  if (!format || format.dynamic || values.some((a) => a.dynamic)) return argsTaint(args);
  const text = formatPrintf(
    format.text,
    values.map((v) => v.text),
  );
  return text === undefined ? { origin: `printf ${args.map((a) => a.text).join(" ")}` } : { text };
}

/** printf FORMAT ARGS: %s %b %c %d and escapes; undefined for directives we do not model. */
export function formatPrintf(format: string, values: string[]): string | undefined {
  const directive = /%(%|[-+ #0]*\d*(?:\.\d+)?[sbcdiu])/g;
  let out = "";
  let next = 0;
  do {
    let last = 0;
    for (const m of format.matchAll(directive)) {
      const literal = format.slice(last, m.index);
      if (literal.includes("%")) return undefined;
      out += decodePrintfEscapes(literal);
      last = m.index + m[0].length;
      const spec = m[1] as string;
      if (spec === "%") {
        out += "%";
        continue;
      }
      const value = values[next++] ?? "";
      const conv = spec.slice(-1);
      out +=
        conv === "s"
          ? value
          : conv === "b"
            ? decodePrintfEscapes(value)
            : conv === "c"
              ? value.slice(0, 1)
              : String(Number.parseInt(value, 10) || 0);
    }
    const tail = format.slice(last);
    if (tail.includes("%")) return undefined;
    out += decodePrintfEscapes(tail);
  } while (next > 0 && next < values.length);
  return out;
}
