// Parses a command line as bash (mvdan/sh via mvdan-sh) into the parser-neutral tree of shell-ast.ts.
import mvdan, { type GoParseError } from "mvdan-sh";
import { flag, forEachNode, kindOf, node, nodes, num, offset, type Raw, text } from "./gopherjs.ts";
import type { Assign, Command, ParamOp, Part, Redirect, Script, Stmt, Word } from "./shell-ast.ts";
import { decodeAnsiC, unescapeDoubleQuoted, unescapeUnquoted } from "./unescape.ts";

/** The command is not valid shell: it must never run, since we cannot tell what it would do. */
export class ShellSyntaxError extends Error {
  override readonly name = "ShellSyntaxError";
}

/** Commands longer than this are refused rather than analysed (agents send one-liners). */
export const MAX_COMMAND_LENGTH = 64 * 1024;

// One parser object, reused: creating one allocates a lot of GopherJS state.
let parser: ReturnType<typeof mvdan.syntax.NewParser> | undefined;

// Operator numbers of mvdan/sh v3 (token.go) as this build has them; parse.test.ts pins them.
const BINARY_OPS: Record<number, "&&" | "||" | "|"> = { 10: "&&", 11: "||", 12: "|", 13: "|" };
const REDIRECT_OPS: Record<number, string> = {
  54: ">",
  55: ">>",
  56: "<",
  57: "<>",
  58: "<&",
  59: ">&",
  60: ">|",
  61: "<<",
  62: "<<-",
  63: "<<<",
  64: "&>",
  65: "&>>",
};

export function parseShell(source: string): Script {
  if (source.length > MAX_COMMAND_LENGTH)
    throw new ShellSyntaxError(`command is longer than ${MAX_COMMAND_LENGTH} characters`);
  parser ??= mvdan.syntax.NewParser();
  let file: Raw;
  try {
    file = parser.Parse(source, "").__internal_object__ as Raw;
  } catch (err) {
    const goErr = err as Partial<GoParseError>;
    const message = typeof goErr.Error === "function" ? goErr.Error() : String(err);
    throw new ShellSyntaxError(`not valid shell syntax: ${message}`);
  }
  return new Converter(source).script(file);
}

class Converter {
  private readonly bytes: Uint8Array | undefined;
  constructor(private readonly source: string) {
    // Positions are byte offsets: only non-ASCII text needs the byte view.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
    this.bytes = /^[\x00-\x7f]*$/.test(source) ? undefined : new TextEncoder().encode(source);
  }

  script(n: Raw, span?: [number, number]): Script {
    return {
      stmts: this.stmts(n, "Stmts"),
      source: span ? this.slice(span[0], span[1]) : this.source,
    };
  }

  private slice(from: number, to: number): string {
    if (to <= from) return "";
    if (!this.bytes) return this.source.slice(from, to);
    return new TextDecoder().decode(this.bytes.subarray(from, to));
  }

  private stmts(parent: Raw, key: string): Stmt[] {
    return nodes(parent, key).map((s) => this.stmt(s));
  }

  private stmt(s: Raw): Stmt {
    const cmd = node(s, "Cmd");
    const command: Command = cmd
      ? this.command(cmd)
      : { kind: "simple", assigns: [], words: [], declaration: false };
    const redirects = nodes(s, "Redirs").map((r) => this.redirect(r));
    return { command, redirects, background: flag(s, "Background") || flag(s, "Coprocess") };
  }

  private command(n: Raw): Command {
    switch (kindOf(n)) {
      case "CallExpr":
        return {
          kind: "simple",
          assigns: nodes(n, "Assigns").map((a) => this.assign(a)),
          words: nodes(n, "Args").map((w) => this.word(w)),
          declaration: false,
        };
      case "DeclClause": {
        const variant = text(node(n, "Variant") ?? n, "Value");
        const assigns: Assign[] = [];
        const words: Word[] = [
          { parts: [{ kind: "lit", value: variant, quoted: false }], source: variant },
        ];
        for (const a of nodes(n, "Args")) {
          const value = node(a, "Value");
          if (flag(a, "Naked") && !node(a, "Name") && value) words.push(this.word(value));
          else assigns.push(this.assign(a));
        }
        return { kind: "simple", assigns, words, declaration: true };
      }
      case "BinaryCmd": {
        const op = BINARY_OPS[num(n, "Op")] ?? "|";
        const left = this.stmt(node(n, "X") as Raw);
        const right = this.stmt(node(n, "Y") as Raw);
        if (op !== "|") return { kind: "and-or", op, left, right };
        // a | b | c parses as (a | b) | c: flatten into one pipeline of stages.
        const flat = left.command.kind === "pipeline" && left.redirects.length === 0;
        return {
          kind: "pipeline",
          stages: [...(flat ? (left.command as { stages: Stmt[] }).stages : [left]), right],
        };
      }
      case "Subshell":
      case "Block":
        return { kind: "group", body: this.stmts(n, "Stmts"), subshell: kindOf(n) === "Subshell" };
      case "FuncDecl":
        return {
          kind: "function",
          name: text(node(n, "Name") ?? n, "Value"),
          body: this.stmt(node(n, "Body") as Raw),
        };
      case "IfClause":
        return { kind: "block", body: this.ifChain(n), words: [], loop: false };
      case "WhileClause":
        return {
          kind: "block",
          body: [...this.stmts(n, "Cond"), ...this.stmts(n, "Do")],
          words: [],
          loop: true,
        };
      case "CaseClause": {
        const body: Stmt[] = [];
        const words = [this.word(node(n, "Word") as Raw)];
        for (const item of nodes(n, "Items")) {
          words.push(...nodes(item, "Patterns").map((p) => this.word(p)));
          body.push(...this.stmts(item, "Stmts"));
        }
        return { kind: "block", body, words, loop: false };
      }
      case "ForClause":
        return this.forClause(n);
      case "TimeClause":
      case "CoprocClause": {
        const inner = node(n, "Stmt");
        return { kind: "group", body: inner ? [this.stmt(inner)] : [], subshell: false };
      }
      default:
        // TestClause, ArithmCmd, LetClause and anything newer: only nested commands can run.
        return { kind: "test", words: [], scripts: this.nestedScripts(n) };
    }
  }

  private ifChain(n: Raw): Stmt[] {
    const out = [...this.stmts(n, "Cond"), ...this.stmts(n, "Then")];
    const next = node(n, "Else");
    return next ? [...out, ...this.ifChain(next)] : out;
  }

  private forClause(n: Raw): Command {
    const loop = node(n, "Loop") as Raw;
    const body = this.stmts(n, "Do");
    if (kindOf(loop) === "WordIter") {
      const items = nodes(loop, "Items");
      const hasIn = offset(loop, "InPos") > 0 || items.length > 0;
      const variable = text(node(loop, "Name") ?? loop, "Value");
      return { kind: "for", variable, items: hasIn ? items.map((w) => this.word(w)) : null, body };
    }
    // C-style for: only substitutions nested in the (( )) header can run commands.
    const header: Stmt = {
      command: { kind: "test", words: [], scripts: this.nestedScripts(loop) },
      redirects: [],
      background: false,
    };
    return { kind: "block", body: [header, ...body], words: [], loop: true };
  }

  private assign(a: Raw): Assign {
    const array = node(a, "Array");
    const value = node(a, "Value");
    const values = array
      ? nodes(array, "Elems").flatMap((e) => {
          const w = node(e, "Value");
          return w ? [this.word(w)] : [];
        })
      : value
        ? [this.word(value)]
        : [];
    return {
      name: text(node(a, "Name") ?? a, "Value"),
      values,
      array: array !== undefined,
      append: flag(a, "Append"),
    };
  }

  private redirect(r: Raw): Redirect {
    const w = node(r, "Word");
    const target = w ? this.word(w) : { parts: [], source: "" };
    const out: Redirect = { op: REDIRECT_OPS[num(r, "Op")] ?? ">", target };
    const fd = node(r, "N");
    if (fd) out.fd = text(fd, "Value");
    const body = node(r, "Hdoc");
    if (body) out.heredoc = this.heredoc(body, target);
    return out;
  }

  /** A quoted delimiter (<<'EOF') makes the body literal; otherwise it expands like "...". */
  private heredoc(body: Raw, delimiter: Word): Word {
    const parts = nodes(body, "Parts");
    const literal = delimiter.parts.some((p) => p.kind === "lit" && p.quoted);
    if (literal) {
      const value = parts.map((p) => text(p, "Value")).join("");
      return { parts: [{ kind: "lit", value, quoted: true }], source: value };
    }
    return { parts: parts.flatMap((p) => this.part(p, true, true)), source: this.wordSource(body) };
  }

  word(w: Raw): Word {
    return {
      parts: nodes(w, "Parts").flatMap((p) => this.part(p, false, false)),
      source: this.wordSource(w),
    };
  }

  private wordSource(w: Raw): string {
    const parts = nodes(w, "Parts");
    const first = parts[0];
    const last = parts.at(-1);
    return first && last ? this.slice(partStart(first), partEnd(last)) : "";
  }

  private part(p: Raw, quoted: boolean, heredoc: boolean): Part[] {
    const span = (): [number, number] => [partStart(p), partEnd(p)];
    switch (kindOf(p)) {
      case "Lit": {
        const raw = text(p, "Value");
        const value = heredoc
          ? raw.replace(/\\([$`\\\n])/g, (_, c: string) => (c === "\n" ? "" : c))
          : quoted
            ? unescapeDoubleQuoted(raw)
            : unescapeUnquoted(raw);
        return [{ kind: "lit", value, quoted }];
      }
      case "SglQuoted": {
        const raw = text(p, "Value");
        return [{ kind: "lit", value: flag(p, "Dollar") ? decodeAnsiC(raw) : raw, quoted: true }];
      }
      case "DblQuoted": {
        const parts = nodes(p, "Parts").flatMap((q) => this.part(q, true, false));
        // "" is an empty field, not nothing: keep one empty quoted literal.
        return parts.length > 0 ? parts : [{ kind: "lit", value: "", quoted: true }];
      }
      case "ParamExp":
        return [this.param(p, quoted)];
      case "CmdSubst":
        return [{ kind: "subst", script: this.script(p, span()), quoted }];
      case "ProcSubst":
        return [{ kind: "procsubst", script: this.script(p, span()) }];
      default:
        return [{ kind: "opaque", quoted, scripts: this.nestedScripts(p) }];
    }
  }

  private param(p: Raw, quoted: boolean): Part {
    const name = text(node(p, "Param") ?? p, "Value");
    const opaque: Part = { kind: "opaque", quoted, scripts: this.nestedScripts(p) };
    if (flag(p, "Length") || flag(p, "Excl") || flag(p, "Width")) return opaque;
    const op = this.paramOp(p);
    if (op === null) return opaque;
    return op ? { kind: "param", name, quoted, op } : { kind: "param", name, quoted };
  }

  /** undefined: plain ${x}; null: a form we do not evaluate. */
  private paramOp(p: Raw): ParamOp | undefined | null {
    const word = (n: Raw | undefined): Word =>
      n && kindOf(n) === "Word" ? this.word(n) : { parts: [], source: "" };
    const index = node(p, "Index");
    const slice = node(p, "Slice");
    const repl = node(p, "Repl");
    const exp = node(p, "Exp");
    if (index)
      return { kind: "element", index: kindOf(index) === "Word" ? this.word(index) : null };
    if (slice) {
      const from = node(slice, "Offset");
      const length = node(slice, "Length");
      if (kindOf(from) !== "Word" || (length && kindOf(length) !== "Word")) return null;
      return { kind: "slice", offset: word(from), length: length ? word(length) : null };
    }
    if (repl) {
      const to = node(repl, "With");
      return {
        kind: "replace",
        all: flag(repl, "All"),
        pattern: word(node(repl, "Orig")),
        with: to ? word(to) : null,
      };
    }
    if (!exp) return undefined;
    const w = word(node(exp, "Word"));
    // ParExpOperator numbers of mvdan/sh v3: + :+ - :- ? :? = := % %% # ## ^ ^^ , ,,
    const op = num(exp, "Op");
    if (op === 68 || op === 69) return { kind: "alternative", word: w };
    if (op >= 70 && op <= 73) return { kind: "default", word: w, assign: false };
    if (op === 74 || op === 75) return { kind: "default", word: w, assign: true };
    if (op === 76 || op === 77)
      return { kind: "trim", from: "suffix", longest: op === 77, pattern: w };
    if (op === 78 || op === 79)
      return { kind: "trim", from: "prefix", longest: op === 79, pattern: w };
    if (op >= 80 && op <= 83) return { kind: "case", upper: op <= 81 };
    return null;
  }

  /** Command and process substitutions nested anywhere under a node we do not model. */
  private nestedScripts(n: Raw): Script[] {
    const found: Script[] = [];
    forEachNode(n, (child, kind) => {
      if (kind !== "CmdSubst" && kind !== "ProcSubst") return true;
      found.push(this.script(child, [partStart(child), partEnd(child)]));
      return false;
    });
    return found;
  }
}

function partStart(p: Raw): number {
  switch (kindOf(p)) {
    case "Lit":
      return offset(p, "ValuePos");
    case "ParamExp":
      return offset(p, "Dollar");
    case "ProcSubst":
    case "ExtGlob":
      return offset(p, "OpPos");
    default:
      return offset(p, "Left");
  }
}

/** End offsets as mvdan/sh's End() methods compute them. */
function partEnd(p: Raw): number {
  switch (kindOf(p)) {
    case "Lit":
      return offset(p, "ValueEnd");
    case "ParamExp":
      return flag(p, "Short") ? offset(node(p, "Param") ?? p, "ValueEnd") : offset(p, "Rbrace") + 1;
    case "ProcSubst":
      return offset(p, "Rparen") + 1;
    case "ArithmExp":
      return offset(p, "Right") + (flag(p, "Bracket") ? 1 : 2);
    case "ExtGlob":
      return offset(node(p, "Pattern") ?? p, "ValueEnd") + 1;
    default:
      return offset(p, "Right") + 1;
  }
}
