// Option parsing shared by the rules: combined (-rf), split (-r -f), reordered (rm / -rf) and `--`.

export interface ParsedArgs {
  /** Letters of every short-option group before `--`. */
  short: Set<string>;
  /** Long options before `--`, without their =value. */
  long: Set<string>;
  operands: string[];
}

/**
 * GNU tools accept options anywhere before `--`, so `rm / -rf` is `rm -rf /`. `valued` lists
 * short options whose value is the next argument (so it is not taken for an operand).
 */
export function parseArgs(args: string[], valued = ""): ParsedArgs {
  const out: ParsedArgs = { short: new Set(), long: new Set(), operands: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      out.operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) out.long.add(a.split("=")[0] as string);
    else if (a.startsWith("-") && a.length > 1) {
      for (const letter of a.slice(1)) out.short.add(letter);
      if (valued.includes(a.slice(-1)) && a.length === 2) i++;
    } else out.operands.push(a);
  }
  return out;
}
