// Option parsing shared by the rules: combined (-rf), split (-r -f), reordered (rm / -rf), `--`,
// and GNU's abbreviated long options (`rm --recu` is `rm --recursive`).

export interface ParsedArgs {
  /** Letters of every short-option group before `--`. */
  short: Set<string>;
  /** Long options before `--`, without their =value, abbreviations expanded when `longs` is given. */
  long: Set<string>;
  /** Values of long options written --name=value (or --name value for `valuedLong`). */
  values: Map<string, string>;
  operands: string[];
  /** Index in the argument list of each operand (for what is known about it). */
  operandIndex: number[];
}

export interface ArgSpec {
  /** Short options whose value is the next argument (so it is not taken for an operand). */
  valued?: string;
  /** The program's long options: an unambiguous prefix of one counts as it (GNU getopt). */
  longs?: readonly string[];
  /** Long options that take the next argument as their value. */
  valuedLong?: readonly string[];
}

/** GNU tools accept options anywhere before `--`, so `rm / -rf` is `rm -rf /`. */
export function parseArgs(args: string[], spec: ArgSpec | string = {}): ParsedArgs {
  const { valued = "", longs, valuedLong } = typeof spec === "string" ? { valued: spec } : spec;
  const out: ParsedArgs = {
    short: new Set(),
    long: new Set(),
    values: new Map(),
    operands: [],
    operandIndex: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      for (let k = i + 1; k < args.length; k++) {
        out.operands.push(args[k] as string);
        out.operandIndex.push(k);
      }
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = expandLong(eq < 0 ? a : a.slice(0, eq), longs);
      out.long.add(name);
      if (eq >= 0) out.values.set(name, a.slice(eq + 1));
      else if (valuedLong?.includes(name) && i + 1 < args.length)
        out.values.set(name, args[++i] as string);
    } else if (a.startsWith("-") && a.length > 1) {
      for (const letter of a.slice(1)) out.short.add(letter);
      if (valued.includes(a.slice(-1)) && a.length === 2) i++;
    } else {
      out.operands.push(a);
      out.operandIndex.push(i);
    }
  }
  return out;
}

/** The long option an abbreviation stands for; every match when it is ambiguous is not chosen. */
export function expandLong(written: string, longs: readonly string[] | undefined): string {
  if (!longs || longs.includes(written)) return written;
  const matches = longs.filter((l) => l.startsWith(written));
  return matches.length === 1 ? (matches[0] as string) : written;
}

/** Long options of the tools the rules read, for abbreviations. */
export const LONGS = {
  rm: [
    "--recursive",
    "--force",
    "--no-preserve-root",
    "--preserve-root",
    "--interactive",
    "--one-file-system",
    "--dir",
    "--verbose",
    "--help",
    "--version",
  ],
  chmod: [
    "--recursive",
    "--no-preserve-root",
    "--preserve-root",
    "--reference",
    "--changes",
    "--silent",
    "--quiet",
    "--verbose",
    "--help",
    "--version",
  ],
  chown: [
    "--recursive",
    "--no-preserve-root",
    "--preserve-root",
    "--reference",
    "--from",
    "--dereference",
    "--no-dereference",
    "--changes",
    "--silent",
    "--quiet",
    "--verbose",
    "--help",
    "--version",
  ],
  rsync: [
    "--delete",
    "--delete-before",
    "--delete-during",
    "--delete-delay",
    "--delete-after",
    "--delete-excluded",
    "--delete-missing-args",
    "--del",
    "--remove-source-files",
    "--dry-run",
    "--recursive",
    "--archive",
    "--rsh",
    "--exclude",
    "--include",
    "--filter",
  ],
  sort: [
    "--output",
    "--unique",
    "--reverse",
    "--numeric-sort",
    "--key",
    "--field-separator",
    "--zero-terminated",
    "--check",
    "--merge",
    "--stable",
    "--parallel",
    "--buffer-size",
    "--temporary-directory",
  ],
  tee: ["--append", "--ignore-interrupts", "--output-error", "--help", "--version"],
  cp: [
    "--target-directory",
    "--no-target-directory",
    "--recursive",
    "--force",
    "--archive",
    "--backup",
    "--suffix",
    "--preserve",
    "--parents",
    "--link",
    "--symbolic-link",
    "--update",
    "--verbose",
  ],
} as const;
