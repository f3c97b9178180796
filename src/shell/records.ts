// Small records of the walk: an Invocation from an argument list, a directory as a value, the
// directory a path is in.
import {
  basename,
  type Invocation,
  type ResolvedRedirect,
  UNKNOWN_DIR,
  type Value,
} from "./analysis.ts";
import type { Ctx } from "./runner.ts";

const KNOWN = Object.freeze({ dynamic: false });

/** The record of one program run, as the policy and routing read it. */
export function invocation(
  argv: Value[],
  ctx: Ctx,
  redirects: ResolvedRedirect[],
  source: string,
  cwd: string[],
): Invocation {
  const argv0 = argv[0];
  return {
    argv: argv.map((a) => a.text),
    args: argv.map((a) => (a.dynamic ? { dynamic: true, origin: a.origin } : KNOWN)),
    name: argv0 ? basename(argv0.text) : "",
    dynamicName: argv0?.dynamic ?? false,
    wrappers: ctx.wrappers,
    redirects,
    piped: ctx.piped,
    background: ctx.background,
    functions: ctx.functions,
    cwd,
    source: source || argv.map((a) => a.text).join(" "),
  };
}

export function dirValue(dir: string): Value {
  return dir === UNKNOWN_DIR
    ? { text: "", dynamic: true, origin: "the working directory" }
    : { text: dir, dynamic: false };
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : UNKNOWN_DIR;
}
