// Flag parsing shared by the verbs: node's parseArgs, with errors that name the flag and value.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ClusterError } from "../errors.ts";
import { shellQuote } from "../shell/quote.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed<O extends Options> {
  values: { help?: boolean } & {
    [K in keyof O]?: O[K] extends { type: "boolean" }
      ? boolean
      : O[K] extends { multiple: true }
        ? string[]
        : string;
  };
  /** Everything after `--`, or the positionals. */
  positionals: string[];
  /** True when the command came after `--`. */
  dashdash: boolean;
}

/** What a flag expects, for the message when it is given empty. */
const EXPECTED: Record<string, string> = {
  node: "a node name from the inventory",
  cwd: "a directory path on the node",
  timeout: "a number of seconds",
  os: "linux or macos",
  arch: "x86_64 or arm64",
  cap: "a capability name",
  config: "a configuration file path",
};

export function parseVerbArgs<O extends Options>(
  verb: string,
  argv: string[],
  options: O,
): Parsed<O> {
  const dd = argv.indexOf("--");
  const flags = dd === -1 ? argv : argv.slice(0, dd);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: flags,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new ClusterError(
      "USAGE",
      `${verb}: ${msg}${dd === -1 ? " (put the command after `--` if it has flags of its own)" : ""}; see \`cluster-exec ${verb} --help\``,
    );
  }
  for (const [name, value] of Object.entries(parsed.values))
    if (value === "" || (Array.isArray(value) && value.includes("")))
      throw new ClusterError(
        "USAGE",
        `${verb} --${name}: got "", expected ${EXPECTED[name] ?? "a value"} (leave the flag out for the default)`,
      );
  const positionals =
    dd === -1 ? parsed.positionals : [...parsed.positionals, ...argv.slice(dd + 1)];
  return { values: parsed.values as Parsed<O>["values"], positionals, dashdash: dd !== -1 };
}

/** A positive number of seconds from a flag, or a USAGE error naming it. */
export function secondsFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ClusterError(
      "USAGE",
      `--${name}: got ${JSON.stringify(value)}, expected a number of seconds > 0`,
    );
  return n;
}

/**
 * The command line to run from argv: one argument is a shell line as written; several are an argv
 * whose words are quoted so the shell sees exactly them (`run -- sh -c 'echo a; exit 3'`).
 */
export function commandFromArgs(words: string[]): string {
  const command = words.length === 1 ? (words[0] as string) : words.map(shellQuote).join(" ");
  const nul = nulPosition(command);
  if (nul !== undefined)
    throw new ClusterError(
      "USAGE",
      `command: holds a NUL byte at position ${nul}; a command line cannot contain NUL (a shell would cut it short there)`,
    );
  return command;
}

/** Index of the first NUL character, if any. */
export function nulPosition(text: string): number | undefined {
  const i = text.indexOf("\u0000");
  return i < 0 ? undefined : i;
}
