// One table of the programs that write a file named by an option or an operand (and redirects):
// dd of=, tee, cp/mv/install/ln targets, curl -o, wget -O, sort -o, tar -cf, openssl -out, sed -i,
// awk -i inplace, ed, ex... A write to a disk or a login file is judged the same whatever wrote it.
import type { Invocation } from "../shell/analysis.ts";
import { downloadTargets, isRemote } from "../shell/files.ts";
import { LONGS, parseArgs } from "./args.ts";

const WRITE_REDIRECTS = new Set([">", ">>", ">|", "<>", "&>", "&>>", ">&"]);
const COPIERS = new Set([
  "cp",
  "mv",
  "install",
  "ln",
  "rsync",
  "scp",
  "gcp",
  "gmv",
  "ginstall",
  "rcp",
]);
const OVERWRITERS = new Set(["shred", "gshred", "truncate", "mkswap", "badblocks", "fallocate"]);

/** A path written to; `index` is its position in argv when it came from an argument. */
export interface Write {
  path: string;
  index?: number;
  /** The redirect or option it came from, for messages. */
  how: string;
}

/** Several rules ask for the same invocation's writes: computed once. */
const memo = new WeakMap<Invocation, Write[]>();

/** Every path this invocation writes to, as far as its arguments and redirects say. */
export function writeTargets(inv: Invocation): Write[] {
  let out = memo.get(inv);
  if (!out) {
    out = computeWrites(inv);
    memo.set(inv, out);
  }
  return out;
}

/** Programs that write a file named in their arguments (redirects aside). */
const WRITERS = new Set([
  ...COPIERS,
  ...OVERWRITERS,
  "dd",
  "dcfldd",
  "tee",
  "ddrescue",
  "xxd",
  "sort",
  "curl",
  "wget",
  "aria2c",
  "tar",
  "gtar",
  "bsdtar",
  "openssl",
  "sed",
  "gsed",
  "perl",
  "ruby",
  "awk",
  "gawk",
  "mawk",
  "nawk",
  "ed",
  "red",
  "ex",
  "vim",
  "vi",
  "nvim",
  "view",
]);
const NONE: Write[] = [];

function computeWrites(inv: Invocation): Write[] {
  if (inv.redirects.length === 0 && !WRITERS.has(inv.name)) return NONE;
  const out: Write[] = [];
  for (const r of inv.redirects) {
    // 2>&1 and >&- name descriptors, not files.
    if (WRITE_REDIRECTS.has(r.op) && !(r.op === ">&" && /^(\d+|-)$/.test(r.target)))
      out.push({ path: r.target, how: `${r.fd ?? ""}${r.op}` });
  }
  const args = inv.argv.slice(1);
  const at = (i: number | undefined, how: string) => {
    if (i !== undefined && i >= 0 && i < args.length)
      out.push({ path: args[i] as string, index: i + 1, how });
  };
  const operands = (spec: Parameters<typeof parseArgs>[1] = {}) => parseArgs(args, spec);
  const name = inv.name;
  if (name === "dd" || name === "dcfldd") {
    args.forEach((a, i) => {
      if (/^of=/.test(a)) out.push({ path: a.slice(3), index: i + 1, how: "of=" });
    });
  } else if (name === "tee") {
    for (const i of operands({ longs: LONGS.tee }).operandIndex) at(i, "tee");
  } else if (COPIERS.has(name)) copyTargets(inv, args, out);
  else if (OVERWRITERS.has(name)) for (const i of operands("nsuolLo").operandIndex) at(i, name);
  else if (name === "ddrescue") at(operands().operandIndex[1], "ddrescue");
  else if (name === "xxd" && args.some((a) => /^-[a-z]*r/.test(a)))
    at(operands("clsgo").operandIndex[1], "xxd -r");
  else if (name === "sort") {
    const p = operands({ valued: "otkSTz", longs: LONGS.sort, valuedLong: ["--output"] });
    args.forEach((a, i) => {
      if (/^-[a-zA-Z]*o$/.test(a)) at(i + 1, "sort -o");
      else if (/^-[a-zA-Z]*o./.test(a) && !a.startsWith("--"))
        out.push({ path: a.slice(a.indexOf("o") + 1), index: i + 1, how: "sort -o" });
    });
    const o = p.values.get("--output");
    if (o !== undefined) out.push({ path: o, how: "sort --output" });
  } else if (name === "curl" || name === "wget" || name === "aria2c") {
    for (const path of downloadTargets(name, args)) out.push({ path, how: `${name} output` });
  } else if (name === "tar" || name === "gtar" || name === "bsdtar") tarArchive(args, out);
  else if (name === "openssl") {
    args.forEach((a, i) => {
      if (a === "-out") at(i + 1, "openssl -out");
    });
  } else inPlaceEdits(inv, args, out);
  return out;
}

/** cp SRC... DST, cp -t DIR SRC..., also DST/basename(SRC) when DST is a directory. */
function copyTargets(inv: Invocation, args: string[], out: Write[]): void {
  const p = parseArgs(args, {
    valued: inv.name === "rsync" ? "efT" : inv.name === "scp" ? "cFiJlmoPS" : "tSmgob",
    longs: LONGS.cp,
    valuedLong: ["--target-directory", "--suffix"],
  });
  const dirArg = args.indexOf("-t");
  const dir = p.values.get("--target-directory") ?? (dirArg >= 0 ? args[dirArg + 1] : undefined);
  const sources = dir !== undefined ? p.operands : p.operands.slice(0, -1);
  const last = p.operandIndex.at(-1);
  const dest = dir ?? (p.operands.length > 1 ? p.operands.at(-1) : undefined);
  if (dest === undefined || isRemote(dest)) return;
  if (dir === undefined && last !== undefined)
    out.push({ path: dest, index: last + 1, how: inv.name });
  else out.push({ path: dest, how: `${inv.name} -t` });
  for (const s of sources) {
    const base = s.replace(/\/+$/, "").split("/").pop();
    if (base && !isRemote(s))
      out.push({ path: `${dest.replace(/\/+$/, "")}/${base}`, how: inv.name });
  }
}

/** tar -c/-r/-u/-A with -f FILE (or cf FILE as the first word) writes the archive to FILE. */
function tarArchive(args: string[], out: Write[]): void {
  const first = args[0] ?? "";
  const bundle = /^[a-zA-Z]+$/.test(first) ? `-${first}` : "";
  const words = bundle ? [bundle, ...args.slice(1)] : args;
  const creates =
    words.some((a) => /^-[a-zA-Z]*[cruA]/.test(a) && !a.startsWith("--")) ||
    words.some((a) => /^--(create|append|update|catenate|concatenate)$/.test(a));
  if (!creates) return;
  words.forEach((a, i) => {
    if (a.startsWith("--file=")) out.push({ path: a.slice(7), how: "tar --file" });
    else if (a === "--file") out.push({ path: words[i + 1] ?? "", how: "tar --file" });
    else if (/^-[a-zA-Z]*f$/.test(a))
      out.push({
        path: words[i + 1] ?? "",
        index: bundle ? (i === 0 ? 2 : i + 1) : i + 2,
        how: "tar -f",
      });
  });
}

/** sed -i, perl -i, ruby -i, awk -i inplace, ed, ex, vim with a script: their files are rewritten. */
function inPlaceEdits(inv: Invocation, args: string[], out: Write[]): void {
  const name = inv.name;
  const push = (indices: number[], how: string) => {
    for (const i of indices) out.push({ path: args[i] as string, index: i + 1, how });
  };
  if (
    (name === "sed" || name === "gsed") &&
    args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place"))
  ) {
    const p = parseArgs(args, "ef");
    const scripted = args.some(
      (a) => /^-[a-zA-Z]*[ef]$/.test(a) || a.startsWith("--expression") || a.startsWith("--file"),
    );
    push(scripted ? p.operandIndex : p.operandIndex.slice(1), "sed -i");
  } else if ((name === "perl" || name === "ruby") && args.some((a) => /^-[a-zA-Z]*i/.test(a))) {
    const p = parseArgs(args, "eEIMmrx");
    const code = args.some((a) => /^-[a-zA-Z]*[eE]$/.test(a));
    push(code ? p.operandIndex : p.operandIndex.slice(1), `${name} -i`);
  } else if (
    /^(g|m|n)?awk$/.test(name) &&
    args.some(
      (a, i) =>
        (a === "-i" && args[i + 1] === "inplace") || a === "-iinplace" || a === "--include=inplace",
    )
  ) {
    const p = parseArgs(args, "ivFfE");
    const program = args.some((a) => /^-[a-zA-Z]*[fE]$|^--(file|source)/.test(a));
    push(
      (program ? p.operandIndex : p.operandIndex.slice(1)).filter((i) => args[i] !== "inplace"),
      "awk -i inplace",
    );
  } else if (name === "ed" || name === "red" || name === "ex") {
    push(parseArgs(args, "pc").operandIndex, name);
  } else if (
    /^(vim|vi|nvim|view)$/.test(name) &&
    args.some((a) => /^(-[a-zA-Z]*[esc]|\+.+|--cmd)$/.test(a))
  ) {
    push(parseArgs(args, "cSTuUiwWOopN").operandIndex, `${name} -c`);
  }
}
