// Files written earlier in a command line, and what they hold as far as we can tell: known text
// (echo … > f), downloaded or decoded data (curl -o f, base64 -d > f), or unknown output of some
// command. Running or reading such a file later in the line carries that along: `sh f` runs the
// known text, is refused for tainted data, and is unresolved for unknown output.
import { mergeTaint, type Output, type Value } from "./analysis.ts";
import { downloadTargets } from "./files.ts";
import { isStdinPath } from "./known-outputs.ts";
import { resolveAll } from "./paths.ts";

const MAX_FILES = 256;

export class WrittenFiles {
  private readonly byKey = new Map<string, Output>();

  /** `dirs`: the possible working directories now (relative paths are keyed against each). */
  constructor(private readonly dirs: () => string[]) {}

  /** What a program writes to files named in its arguments, and what `cat FILE` prints. */
  through(name: string, args: Value[], stdin: Output, out: Output): Output {
    const texts = args.map((a) => a.text);
    for (const file of downloadTargets(name, texts))
      this.write(file, { taint: "downloaded", producer: name }, false);
    if (name === "tee") {
      const append = texts.some((t) => /^-[a-z]*a|^--a/.test(t));
      for (const file of texts) if (!file.startsWith("-")) this.write(file, stdin, append);
    }
    if ((name === "cp" || name === "mv" || name === "install") && texts.length >= 2) {
      const [source, target] = [texts.at(-2) as string, texts.at(-1) as string];
      const known = isStdinPath(source) ? stdin : this.read(source);
      if (known) this.write(target, known, false);
    }
    if (name !== "cat" || out.endless) return out;
    const files = texts.filter((t) => !isStdinPath(t) && !t.startsWith("-"));
    if (files.length === 0 || args.some((a) => a.content !== undefined)) return out;
    const read = files.map((f) => this.read(f));
    if (read.every((r) => r?.text !== undefined))
      return { text: read.map((r) => r?.text).join("") };
    const tainted = read.find((r) => r?.taint);
    if (tainted)
      return { ...out, taint: mergeTaint(out.taint, tainted.taint), producer: tainted.producer };
    const unknown = read.find((r) => r !== undefined);
    if (unknown) return { origin: unknown.origin ?? `cat ${files.join(" ")}` };
    // A file not written in this line: its content is what is on disk, as visible as `sh FILE`.
    return files.length === 1 ? { file: files[0] as string, origin: `cat ${files[0]}` } : out;
  }

  write(path: string, data: Output, append: boolean): void {
    if (path === "" || path.startsWith("/dev/") || path.startsWith("/proc/")) return;
    const entry: Output = {};
    if (data.text !== undefined) entry.text = data.text;
    if (data.taint) entry.taint = data.taint;
    if (data.producer) entry.producer = data.producer;
    if (data.origin) entry.origin = data.origin;
    for (const key of resolveAll(path, this.dirs())) {
      const old = append ? this.byKey.get(key) : undefined;
      if (!old && this.byKey.size >= MAX_FILES) continue;
      this.byKey.set(key, old ? combine(old, entry) : entry);
    }
  }

  /** Whether the line wrote any file (most lines write none: lookups are skipped). */
  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** What the line wrote to PATH, or undefined when it did not write it. */
  read(path: string): Output | undefined {
    if (this.byKey.size === 0 || path === "") return undefined;
    for (const key of resolveAll(path, this.dirs())) {
      const hit = this.byKey.get(key);
      if (hit) return hit;
    }
    return undefined;
  }
}

function combine(a: Output, b: Output): Output {
  const out: Output = {};
  if (a.text !== undefined && b.text !== undefined) out.text = a.text + b.text;
  const taint = mergeTaint(a.taint, b.taint);
  if (taint) out.taint = taint;
  const producer = a.producer ?? b.producer;
  if (producer) out.producer = producer;
  const origin = a.origin ?? b.origin;
  if (origin && out.text === undefined) out.origin = origin;
  return out;
}
