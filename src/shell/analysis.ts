// What a command line does once parsed and normalised: every program it runs, with resolved arguments.

/** Where data of unknown content came from, when it matters for "run this as code". */
export type Taint = "decoded" | "downloaded";

/** One possible value of an expansion, or one field of an argument list. */
export interface Value {
  text: string;
  /** Some part was not statically known (it was taken as empty). */
  dynamic: boolean;
  taint?: Taint;
  /** Several fields even when quoted ("$@", "${a[@]}"). */
  fields?: string[];
  /** An unquoted unknown expansion that produced no field at all. */
  vanished?: boolean;
  /** A <(...) path whose output is statically known: what reading the path gives. */
  content?: string;
  /** For an unknown value: the command whose output it is (`pgrep sshd`, `cat dirs.txt`). */
  origin?: string;
  /** Output without end, or of a great many lines (`$(seq 1000000)`): a loop over it never ends. */
  many?: boolean;
}

/** What a command writes to stdout, as far as we can tell. */
export interface Output {
  /** Set when the whole output is statically known. */
  text?: string;
  taint?: Taint;
  /** The program that produced tainted data (curl, base64...). */
  producer?: string;
  /** `find ROOTS...`: the paths its output starts from (for `| xargs rm`). */
  roots?: string[];
  /** For unknown output: the command that printed it, as written (`ssh-agent -s`). */
  origin?: string;
  /** The output is the content of this file, read as is (cat FILE): as visible as `sh FILE`. */
  file?: string;
  /** It never ends (yes, cat /dev/zero, seq inf): written to a file, it fills the disk. */
  endless?: boolean;
  /** For output only partly known: the known pieces (`(crontab -l; echo JOB)` has JOB). */
  fragments?: string[];
  /** For output only partly known: where each unknown piece came from. */
  origins?: string[];
}

export interface ResolvedRedirect {
  op: string;
  fd?: string;
  target: string;
  dynamic: boolean;
}

/** Per argument: whether it is statically known, and what produced it when it is not. */
export interface ArgInfo {
  dynamic: boolean;
  origin?: string;
}

/** One program run, after wrappers (sudo, env, nice, sh -c...) are taken off. */
export interface Invocation {
  /** Arguments after quote removal and expansion; argv[0] as written (may be a path). */
  argv: string[];
  /** Parallel to argv: which arguments are not statically known (unknown parts taken as empty). */
  args: ArgInfo[];
  /** argv[0] without its directory (/usr/bin/make → make); "" when argv is empty. */
  name: string;
  /** argv[0] was not statically known. */
  dynamicName: boolean;
  /** Commands that were taken off, outermost first (e.g. ["sudo", "bash"]). */
  wrappers: string[];
  redirects: ResolvedRedirect[];
  /** Part of a pipeline with more than one stage. */
  piped: boolean;
  background: boolean;
  /** Function definitions it sits in, outermost first. */
  functions: string[];
  /**
   * Possible working directories: absolute, `~`-relative (the home of the user it runs as) or
   * UNKNOWN_DIR when a `cd` went somewhere not statically known.
   */
  cwd: string[];
  /** The simple command as written. */
  source: string;
}

/** A working directory that is not statically known. */
export const UNKNOWN_DIR = "?";

/** Code that runs but whose text we do not know: eval "$x", curl ... | sh, bash <(...). */
export interface DynamicCode {
  /** The program that runs it: sh, bash, eval, source... */
  via: string;
  taint?: Taint;
  producer?: string;
  /** What printed the code, when known (`ssh-agent -s`, `cat c.txt`). */
  origin?: string;
  source: string;
}

/** A path made to stand for another earlier in the line: ln -s TARGET LINK, mount --bind. */
export interface Link {
  /** The new name, resolved against the directory it was made in. */
  from: string;
  /** What it points at, resolved the same way. */
  to: string;
}

/** Something found that is no single program run with arguments. */
export interface Hazard {
  kind:
    | "fork-loop" // code that forks without end (perl fork while fork, an endless loop of `cmd &`)
    | "endless-output" // never-ending output written to a file (yes > f, cat /dev/zero > f)
    | "reverse-shell"; // a shell whose input or output is a network connection
  /** What was found, for the message. */
  detail: string;
  source: string;
}

export interface Analysis {
  command: string;
  invocations: Invocation[];
  dynamicCode: DynamicCode[];
  /** Names of the functions the command defines. */
  functions: string[];
  links: Link[];
  hazards: Hazard[];
}

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

/** Taint of a combination: downloaded wins, since it names where the code came from. */
export function mergeTaint(a: Taint | undefined, b: Taint | undefined): Taint | undefined {
  if (a === "downloaded" || b === "downloaded") return "downloaded";
  return a ?? b;
}

/** The command is too convoluted to analyse: refused, like unparseable input. */
export class TooComplexError extends Error {
  override readonly name = "TooComplexError";
}
