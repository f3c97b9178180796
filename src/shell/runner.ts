// What a program handler sees while the walk follows it: the walk's context and its callbacks.
import type { Output, Taint, Value } from "./analysis.ts";

export interface Ctx {
  depth: number;
  piped: boolean;
  background: boolean;
  /** Function definitions we are inside, outermost first. */
  functions: string[];
  /** Functions being expanded at a call site, to stop at recursion. */
  calls: string[];
  /** $1... of the current script or function; undefined at top level (unknown). */
  positional?: Value[];
  wrappers: string[];
  stdin: Output;
}

export interface Runner {
  runCode(text: string, via: string, ctx: Ctx, positional?: Value[]): Output;
  runArgv(argv: Value[], ctx: Ctx, via: string): Output;
  dynamicCode(via: string, taint: Taint | undefined, producer: string | undefined): void;
  /** Set when PATH was written earlier in the line with downloaded or decoded data. */
  fileTaint(path: string): Output | undefined;
  setVar(name: string, values: Value[]): void;
  /** `set -- ARGS`: new positional parameters ($1, "$@"...). */
  setPositional(values: Value[]): void;
  lookup(name: string): Value[] | undefined;
}
