// Files written earlier in a command line with downloaded or decoded data (curl -o f, base64 -d > f,
// | tee f), so that running or printing them later in the line carries the taint along.
import { mergeTaint, type Output, type Taint, type Value } from "./analysis.ts";
import { downloadTargets, fileKey } from "./files.ts";

export class TaintedFiles {
  private readonly byKey = new Map<string, Output & { taint: Taint }>();

  /** `cwds`: the possible working directories now (relative paths are keyed against each). */
  constructor(private readonly cwds: () => string[]) {}

  /** Files a program writes with tainted data, and tainted files it prints (cat f). */
  through(name: string, args: Value[], stdin: Output, out: Output): Output {
    const texts = args.map((a) => a.text);
    for (const file of downloadTargets(name, texts))
      this.taint(file, { taint: "downloaded", producer: name });
    if (name === "tee" && stdin.taint)
      for (const file of texts) if (!file.startsWith("-")) this.taint(file, stdin);
    if (name !== "cat" || this.byKey.size === 0) return out;
    const read = texts.map((t) => this.taintOf(t)).find((t) => t !== undefined);
    return read
      ? { ...out, taint: mergeTaint(out.taint, read.taint), producer: read.producer }
      : out;
  }

  taint(path: string, data: Output): void {
    if (!data.taint || path === "" || path.startsWith("/dev/")) return;
    const entry = { taint: data.taint, ...(data.producer ? { producer: data.producer } : {}) };
    for (const key of this.keys(path)) this.byKey.set(key, entry);
  }

  taintOf(path: string): (Output & { taint: Taint }) | undefined {
    if (this.byKey.size === 0 || path === "") return undefined;
    for (const key of this.keys(path)) {
      const hit = this.byKey.get(key);
      if (hit) return hit;
    }
    return undefined;
  }

  private keys(path: string): string[] {
    return this.cwds().map((cwd) => fileKey(path, cwd));
  }
}
