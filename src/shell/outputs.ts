// What a program prints, when that is statically known (echo, printf, cat of a here-string), and
// whether its output is decoded or downloaded data — which must never be run as code unseen.
import { mergeTaint, type Output, type Taint, type Value } from "./analysis.ts";
import { decodePrintfEscapes } from "./unescape.ts";

const DOWNLOADERS = new Set([
  "curl",
  "wget",
  "fetch",
  "aria2c",
  "http",
  "https",
  "lynx",
  "links",
  "nc",
  "ncat",
  "netcat",
  "socat",
  "ftp",
  "tftp",
]);
/** Always transform their input: what comes out is not what was written. */
const TRANSFORMERS = new Set([
  "rev",
  "tr",
  "sed",
  "gsed",
  "awk",
  "gawk",
  "mawk",
  "perl",
  "python",
  "python3",
  "ruby",
  "node",
  "php",
  "iconv",
  "uudecode",
  "gunzip",
  "zcat",
  "gzcat",
  "bzcat",
  "bunzip2",
  "xzcat",
  "unxz",
  "unzstd",
  "zstdcat",
  "lz4cat",
  "unlzma",
  "lzcat",
]);
/** Decode only with a flag (base64 -d, xxd -r, gzip -d...). */
const DECODE_FLAGS: Record<string, RegExp> = {
  base64: /^(-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/,
  base32: /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/,
  basenc: /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/,
  xxd: /^(-[a-zA-Z]*r[a-zA-Z]*|-revert)$/,
  openssl: /^(-d|-base64|-a|base64|enc)$/,
  gzip: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress|--uncompress)$/,
  bzip2: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
  xz: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
  zstd: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
  lz4: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
};

/** The taint a program puts on its output, whatever its input. */
export function producedTaint(name: string, args: string[]): Taint | undefined {
  if (DOWNLOADERS.has(name)) return "downloaded";
  if (TRANSFORMERS.has(name) || /^python\d/.test(name)) return "decoded";
  const flag = DECODE_FLAGS[name];
  if (flag && args.some((a) => flag.test(a))) return "decoded";
  return undefined;
}

/** Output of a program given its arguments (argv[0] excluded) and what it reads. */
export function programOutput(name: string, args: Value[], stdin: Output): Output {
  const texts = args.map((a) => a.text);
  const own = producedTaint(name, texts);
  if (own)
    return {
      taint: mergeTaint(own, stdin.taint),
      producer: own === stdin.taint ? (stdin.producer ?? name) : name,
    };
  if (name === "echo") return echoOutput(args);
  if (name === "printf") return printfOutput(args);
  // cat <(...) <(...): the substitutions' known output.
  if (name === "cat" && args.length > 0 && args.every((a) => a.content !== undefined))
    return { text: args.map((a) => `${a.content}\n`).join("") };
  // cat / tee with no file operand pass their input through.
  if (
    (name === "cat" || name === "tee") &&
    texts.every((t) => t === "-" || (name === "tee" && t.startsWith("-")))
  )
    return stdin;
  if (name === "ls") return { roots: lsRoots(texts) };
  return stdin.taint ? { taint: stdin.taint, producer: stdin.producer } : {};
}

/**
 * `ls DIR` prints the entries of DIR (`ls -d DIR` DIR itself): as items for `| xargs rm`, they
 * stand for DIR/* (an unknown working directory leaves them relative, never judged protected).
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
  return tainted
    ? {
        taint: args.reduce<Taint | undefined>((t, a) => mergeTaint(t, a.taint), undefined),
        producer: "$(...)",
      }
    : {};
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
  return text === undefined ? {} : { text };
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

/** Output of commands run one after another. */
export function concatOutputs(outputs: Output[]): Output {
  if (outputs.length === 1) return outputs[0] as Output;
  const out: Output = {};
  if (outputs.every((o) => o.text !== undefined)) out.text = outputs.map((o) => o.text).join("");
  for (const o of outputs) {
    out.taint = mergeTaint(out.taint, o.taint);
    out.producer ??= o.producer;
    if (o.roots) out.roots = [...(out.roots ?? []), ...o.roots];
  }
  if (!out.taint) delete out.taint;
  return out;
}

/** Several possible expansions of one command: static only if they all agree. */
export function mergeOutputs(outputs: Output[]): Output {
  const out = concatOutputs(outputs);
  const first = outputs[0]?.text;
  if (outputs.every((o) => o.text === first)) out.text = first;
  else delete out.text;
  return out;
}
