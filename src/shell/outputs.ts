// What a program prints, when that is statically known (echo, printf, cat of a here-string), and
// whether its output is decoded or downloaded data — which must never be run as code unseen.
import { mergeTaint, type Output, type Taint, type Value } from "./analysis.ts";
import { knownOutput } from "./known-outputs.ts";

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
  "telnet",
  "ftp",
  "tftp",
  "ssh", // ssh HOST cat f: another machine's data
  "sshpass",
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

/** Output of a program given its arguments (argv[0] excluded), what it reads, where it runs. */
export function programOutput(name: string, args: Value[], stdin: Output, dirs: string[]): Output {
  const texts = args.map((a) => a.text);
  const own = producedTaint(name, texts);
  if (own)
    return {
      taint: mergeTaint(own, stdin.taint),
      producer: own === stdin.taint ? (stdin.producer ?? name) : name,
    };
  const known = knownOutput(name, args, stdin, dirs);
  if (known) return known;
  const origin = [name, ...texts].join(" ");
  return stdin.taint ? { taint: stdin.taint, producer: stdin.producer, origin } : { origin };
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
    if (o.endless) out.endless = true;
  }
  if (!out.taint) delete out.taint;
  if (out.text === undefined) partly(out, outputs);
  return out;
}

/**
 * An output only partly known, like `(crontab -l; echo JOB)`: the known pieces (each checked as
 * code where it is run) and where the unknown ones came from.
 */
function partly(out: Output, outputs: Output[]): void {
  const fragments: string[] = [];
  const origins: string[] = [];
  for (const o of outputs) {
    if (o.text !== undefined) {
      if (o.text.trim() !== "") fragments.push(o.text);
      continue;
    }
    fragments.push(...(o.fragments ?? []));
    const own = o.origins ?? [o.origin ?? (o.file ? `cat ${o.file}` : "")];
    for (const origin of own) if (origin && !origins.includes(origin)) origins.push(origin);
  }
  if (fragments.length > 0) out.fragments = fragments.slice(0, 64);
  if (origins.length > 0) out.origins = origins.slice(0, 16);
}

/** Several possible expansions of one command: static only if they all agree. */
export function mergeOutputs(outputs: Output[]): Output {
  const out = concatOutputs(outputs);
  const first = outputs[0]?.text;
  if (outputs.every((o) => o.text === first)) {
    out.text = first;
    delete out.fragments;
    delete out.origins;
  } else {
    // Each possible output is one of the alternatives: all of them are checked.
    delete out.text;
    partly(out, outputs);
  }
  return out;
}
