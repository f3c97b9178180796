// Commands that run another command given as their arguments (sudo, env, nice, systemd-run,
// nsenter, strace...): their options are skipped so that `sudo -u x nice -n 5 rm` is seen as `rm`,
// and an option that changes the directory (`env -C`, `sudo -D`) is kept for the walk.
import { basename, type Value } from "./analysis.ts";
import { WRAPPERS, type WrapperSpec } from "./wrapper-table.ts";

export function isWrapper(name: string): boolean {
  return Object.hasOwn(WRAPPERS, name);
}

export interface Unwrapped {
  argv: Value[];
  /** The directory the wrapped command runs in (`env -C DIR`, `sudo -D DIR`). */
  chdir?: Value;
}

export interface UnwrappedAll {
  argv: Value[];
  wrappers: string[];
  /** Directory changes of the wrappers, outermost first (each relative to the one before). */
  chdirs: Value[];
}

/** The wrapped command, or undefined when the wrapper runs nothing (`sudo -l`, bare `nohup`). */
export function unwrapOnce(argv: Value[]): Unwrapped | undefined {
  const name = basename(argv[0]?.text ?? "");
  const spec = WRAPPERS[name];
  if (!spec) return undefined;
  let i = spec.subcommand ? 2 : 1;
  if (spec.subcommand && !spec.subcommand.includes(argv[1]?.text ?? "")) return undefined;
  if (spec.notWith && argv.some((a) => spec.notWith?.test(a.text))) return undefined;
  let operands = spec.operands ?? 0;
  let split: Value[] = [];
  let chdir: Value | undefined;
  while (i < argv.length) {
    const value = argv[i] as Value;
    const arg = value.text;
    if (arg === "--") {
      i++;
      break;
    }
    if (spec.stopArgs?.includes(arg)) return undefined;
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("--") || (spec.singleDashLong && /^-[a-z]{2,}/.test(arg))) {
      const eq = arg.indexOf("=");
      const long = longName(eq < 0 ? arg : arg.slice(0, eq), spec);
      const inline = eq < 0 ? undefined : { ...value, text: arg.slice(eq + 1) };
      if (spec.stopLong?.includes(long)) return undefined;
      const takesValue = spec.valueLong?.includes(long) && inline === undefined;
      const optionValue = inline ?? (takesValue ? argv[i + 1] : undefined);
      if (long === "--split-string") split = splitString(optionValue);
      if (spec.chdirLong?.includes(long) && optionValue) chdir = optionValue;
      i += takesValue ? 2 : 1;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (spec.numericFlags && /^-\d+$/.test(arg)) {
        i++;
        continue;
      }
      const letters = arg.slice(1);
      let consumed = 1;
      for (let j = 0; j < letters.length; j++) {
        const letter = letters[j] as string;
        if (spec.stopShort?.includes(letter)) return undefined;
        if (spec.valueShort?.includes(letter)) {
          const attached = letters.slice(j + 1);
          const optionValue = attached ? { ...value, text: attached } : argv[i + 1];
          if (name === "env" && letter === "S") split = splitString(optionValue);
          if (spec.chdirShort?.includes(letter) && optionValue) chdir = optionValue;
          if (!attached) consumed = 2;
          break;
        }
      }
      i += consumed;
      continue;
    }
    if (operands > 0) {
      operands--;
      i++;
      continue;
    }
    break;
  }
  const rest = [...split, ...argv.slice(i)];
  if (rest.length === 0) return undefined;
  return chdir ? { argv: rest, chdir } : { argv: rest };
}

/** GNU getopt accepts any unique prefix of a long option (`--chd` for `--chdir`). */
function longName(written: string, spec: WrapperSpec): string {
  const known = [
    ...(spec.valueLong ?? []),
    ...(spec.stopLong ?? []),
    ...(spec.chdirLong ?? []),
    "--split-string",
  ];
  if (known.includes(written)) return written;
  const matches = [...new Set(known.filter((k) => k.startsWith(written)))];
  return matches.length === 1 ? (matches[0] as string) : written;
}

/** env -S 'cmd args': the string is split into arguments (no shell involved). */
function splitString(value: Value | undefined): Value[] {
  if (!value) return [];
  return value.text
    .split(/[ \t\n]+/)
    .filter((s) => s !== "")
    .map((text) => ({ ...value, text }));
}

/** Takes off every wrapper: `sudo env X=1 nice make` → make, with ["sudo", "env", "nice"]. */
export function unwrapAll(argv: Value[]): UnwrappedAll {
  const wrappers: string[] = [];
  const chdirs: Value[] = [];
  let current = argv;
  for (let n = 0; n < 16 && isWrapper(basename(current[0]?.text ?? "")); n++) {
    const inner = unwrapOnce(current);
    if (!inner) break;
    wrappers.push(basename(current[0]?.text ?? ""));
    current = inner.argv;
    if (inner.chdir) chdirs.push(inner.chdir);
  }
  return { argv: current, wrappers, chdirs };
}
