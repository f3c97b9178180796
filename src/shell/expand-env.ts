// What word expansion needs from the walk: variables, assignments during expansion, and the
// output of command substitutions.
import type { Value } from "./analysis.ts";
import type { Script } from "./shell-ast.ts";

export interface ExpandEnv {
  /** Possible values of a variable or positional parameter; undefined when unknown. */
  lookup(name: string): Value[] | undefined;
  /** ${x:=w}: the assignment happens during expansion. */
  assign(name: string, values: Value[]): void;
  /** Records the commands of $(...) / <(...) and returns their output (every possible one). */
  substitute(script: Script): Value | Value[];
}
