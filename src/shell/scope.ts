// The walk's variables: every possible value of each (values accumulate over branches and loops,
// so after `a=ls; false || a=rm` both are checked), namerefs (`declare -n r=p`), the argument
// lists `set --` gave, and aliases (whose body runs where their name is used later).
import { TooComplexError, type Value } from "./analysis.ts";
import { positionalValues } from "./values.ts";

const MAX_VALUES_PER_VARIABLE = 256;

export class Scope {
  private readonly vars = new Map<string, Value[]>();
  private readonly namerefs = new Map<string, string>();
  /** Argument lists given by `set -- ARGS`: possible positional parameters from then on. */
  private readonly setLists: Value[][] = [];
  private readonly setKeys = new Set<string>();
  readonly aliases = new Map<string, string>();

  get(name: string): Value[] | undefined {
    return this.vars.get(this.target(name));
  }

  set(name: string, values: Value[]): void {
    const key = this.target(name);
    const old = this.vars.get(key) ?? [];
    const merged = [...old];
    for (const v of values)
      if (!merged.some((m) => m.text === v.text && m.dynamic === v.dynamic)) merged.push(v);
    if (merged.length > MAX_VALUES_PER_VARIABLE)
      throw new TooComplexError(
        `variable ${name} takes more than ${MAX_VALUES_PER_VARIABLE} values`,
      );
    this.vars.set(key, merged);
  }

  /** declare -n NAME=TARGET: NAME reads and writes TARGET from now on. */
  nameref(name: string, target: string): void {
    if (name !== target && /^[A-Za-z_]\w*$/.test(target)) this.namerefs.set(name, target);
  }

  private target(name: string): string {
    let key = name;
    for (let n = 0; n < 8 && this.namerefs.has(key); n++) key = this.namerefs.get(key) as string;
    return key;
  }

  setPositional(values: Value[]): void {
    const key = JSON.stringify(values.map((v) => [v.text, v.dynamic]));
    if (this.setKeys.has(key)) return;
    if (this.setLists.length >= MAX_VALUES_PER_VARIABLE)
      throw new TooComplexError(
        `set -- runs with more than ${MAX_VALUES_PER_VARIABLE} argument lists`,
      );
    this.setKeys.add(key);
    this.setLists.push(values);
  }

  /** Every possible positional parameter list: the current one, and those `set --` gave. */
  positionalSets(current: Value[]): Value[][] {
    return [current, ...this.setLists];
  }

  /** $1, $@, $*: over every possible argument list. */
  positional(name: string, current: Value[]): Value[] {
    return this.positionalSets(current).flatMap((p) => positionalValues(name, p) ?? []);
  }
}
