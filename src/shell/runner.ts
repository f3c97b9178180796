// What a program handler sees while the walk follows it: the walk's context and its callbacks.
import type { Hazard, Output, Taint, Value } from "./analysis.ts";

export interface Ctx {
  depth: number;
  piped: boolean;
  background: boolean;
  /** Function definitions we are inside, outermost first. */
  functions: string[];
  /** Functions being expanded at a call site, to stop at recursion. */
  calls: string[];
  /** $1... of the current script or function. */
  positional: Value[];
  /** $0. */
  arg0: Value;
  wrappers: string[];
  stdin: Output;
  /** What reading /dev/fd/N gives, for descriptors opened with a here-string or here-document. */
  fds: Record<string, Output>;
  /** Variables assigned for this command only (`CDPATH=/ cd etc`). */
  assigned?: Map<string, Value[]>;
}

export interface Runner {
  /** Walks shell code. `opts.dirs`: the directories it runs in (`ssh host CMD` runs in `~`). */
  runCode(
    text: string,
    via: string,
    ctx: Ctx,
    opts?: { positional?: Value[]; arg0?: Value; dirs?: string[]; subshell?: boolean },
  ): Output;
  runArgv(argv: Value[], ctx: Ctx, via: string, source?: string): Output;
  dynamicCode(
    via: string,
    taint: Taint | undefined,
    producer: string | undefined,
    origin?: string,
  ): void;
  hazard(kind: Hazard["kind"], detail: string): void;
  /** `ln -s TARGET LINK`, `mount --bind TARGET LINK`: LINK stands for TARGET from now on. */
  link(target: string, linkName: string): void;
  /** What the line wrote to PATH earlier (text, taint or unknown output); undefined when it did not. */
  fileContent(path: string): Output | undefined;
  setVar(name: string, values: Value[]): void;
  /** `set -- ARGS`: new positional parameters ($1, "$@"...). */
  setPositional(values: Value[]): void;
  lookup(name: string, ctx?: Ctx): Value[] | undefined;
  defineAlias(name: string, body: Value): void;
  /** cd / pushd / popd. */
  changeDirectory(how: "cd" | "pushd" | "popd", target: Value[] | undefined, ctx: Ctx): void;
  /** The possible working directories now. */
  directories(): string[];
  /** `set -e` and friends: a failing command ends the script. */
  setErrexit(on: boolean): void;
  /** `exec 3<<< TEXT`: descriptor 3 reads TEXT from now on. */
  openFd(fd: string, content: Output): void;
  /** What reading descriptor FD gives here, when a redirect set it. */
  descriptor(fd: string, ctx: Ctx): Output | undefined;
  /** Runs a file the line wrote earlier (`sh f`, `./f`): its known text is walked. */
  runWritten(path: string, ctx: Ctx): void;
}
