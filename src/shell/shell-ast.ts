// The parser-neutral shell syntax tree that routing and policy read; only parse.ts knows the parser.

/** One piece of a word, quotes already removed from literals. */
export type Part =
  | { kind: "lit"; value: string; quoted: boolean }
  /** $name / ${name...}; `op` is set for the forms we can evaluate statically. */
  | { kind: "param"; name: string; quoted: boolean; op?: ParamOp; indirect?: boolean }
  /** $((...)): evaluated when every operand is a known number. */
  | { kind: "arith"; expression: string; quoted: boolean; scripts: Script[] }
  /** $(...) or `...`. */
  | { kind: "subst"; script: Script; quoted: boolean }
  /** <(...) or >(...): expands to a path whose content is the script's output. */
  | { kind: "procsubst"; script: Script }
  /** Anything not statically known (arithmetic, ${!x}, ${#x}, extglob...); its nested scripts still run. */
  | { kind: "opaque"; quoted: boolean; scripts: Script[] };

export type ParamOp =
  | { kind: "default"; word: Word; assign: boolean } // ${x:-w} ${x:=w}
  | { kind: "alternative"; word: Word } // ${x:+w}
  | { kind: "required"; message: Word } // ${x:?msg}: the shell aborts when x is unset or empty
  | { kind: "trim"; from: "prefix" | "suffix"; longest: boolean; pattern: Word } // ${x#p} ${x##p} ${x%p} ${x%%p}
  | { kind: "replace"; all: boolean; pattern: Word; with: Word | null } // ${x/p/w} ${x//p/w}
  | { kind: "slice"; offset: Word; length: Word | null } // ${x:o:l}
  | { kind: "case"; upper: boolean } // ${x^^} ${x,,}
  | { kind: "element"; index: Word | null }; // ${x[i]} ${x[@]}

export interface Word {
  parts: Part[];
  /** The word as written, for messages. */
  source: string;
}

export interface Redirect {
  /** ">", ">>", "<", "<>", ">&", "<&", ">|", "<<", "<<-", "<<<", "&>", "&>>". */
  op: string;
  fd?: string;
  target: Word;
  /** Here-document body. */
  heredoc?: Word;
}

export interface Assign {
  name: string;
  /** Absent for `declare x`; several for arrays `x=(a b)`. */
  values: Word[];
  /** x=(a b): the values are the elements. */
  array: boolean;
  /** x[i]=v: the element set. */
  index?: Word;
  append: boolean;
}

export type Command =
  | { kind: "simple"; assigns: Assign[]; words: Word[]; declaration: boolean }
  | { kind: "pipeline"; stages: Stmt[] }
  | { kind: "and-or"; op: "&&" | "||"; left: Stmt; right: Stmt }
  | { kind: "group"; body: Stmt[]; subshell: boolean }
  | { kind: "function"; name: string; body: Stmt }
  | { kind: "for"; variable: string; items: Word[] | null; body: Stmt[] }
  /** if / while / until / case / select / C-style for: every branch runs as far as we know. */
  | { kind: "block"; body: Stmt[]; words: Word[]; loop: boolean; endless?: boolean }
  /** [[ ]], (( )), let: only the commands nested in their words run. */
  | { kind: "test"; words: Word[]; scripts: Script[] };

export interface Stmt {
  command: Command;
  redirects: Redirect[];
  background: boolean;
}

export interface Script {
  stmts: Stmt[];
  /** The text this script was parsed from. */
  source: string;
}

/** A simple command's words as written. */
export function wordsSource(cmd: Command & { kind: "simple" }): string {
  return cmd.words.map((w) => w.source).join(" ");
}
