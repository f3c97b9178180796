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
}

export interface ResolvedRedirect {
  op: string;
  fd?: string;
  target: string;
  dynamic: boolean;
}

/** One program run, after wrappers (sudo, env, nice, sh -c...) are taken off. */
export interface Invocation {
  /** Arguments after quote removal and expansion; argv[0] as written (may be a path). */
  argv: string[];
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
  /** Possible working directories ("." when unknown), from earlier `cd`s. */
  cwd: string[];
  /** The simple command as written. */
  source: string;
}

/** Code that runs but whose text we do not know: eval "$x", curl ... | sh, bash <(...). */
export interface DynamicCode {
  /** The program that runs it: sh, bash, eval, source... */
  via: string;
  taint?: Taint;
  producer?: string;
  source: string;
}

export interface Analysis {
  command: string;
  invocations: Invocation[];
  dynamicCode: DynamicCode[];
  /** Names of the functions the command defines. */
  functions: string[];
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
