// Parses a command line as bash (mvdan/sh via mvdan-sh) into the parser-neutral tree of shell-ast.ts.
import mvdan, {
  type GoAssign,
  type GoFile,
  type GoLit,
  type GoNode,
  type GoParseError,
  type GoPos,
  type GoRedirect,
  type GoStmt,
  type GoWord,
} from "mvdan-sh";
import type { Assign, Command, ParamOp, Part, Redirect, Script, Stmt, Word } from "./shell-ast.ts";
import { decodeAnsiC, unescapeDoubleQuoted, unescapeUnquoted } from "./unescape.ts";

/** The command is not valid shell: it must never run, since we cannot tell what it would do. */
export class ShellSyntaxError extends Error {
  override readonly name = "ShellSyntaxError";
}

/** Commands longer than this are refused rather than analysed (agents send one-liners). */
export const MAX_COMMAND_LENGTH = 64 * 1024;

const { syntax } = mvdan;
// One parser object, reused: creating one allocates a lot of GopherJS state.
let parser: ReturnType<typeof syntax.NewParser> | undefined;

// Operator numbers of mvdan/sh v3 (token.go), as the GopherJS build exposes them.
const BINARY_OPS: Record<number, "&&" | "||" | "|" | "|&"> = {
  10: "&&",
  11: "||",
  12: "|",
  13: "|&",
};
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
  parser ??= syntax.NewParser();
  let file: GoFile;
  try {
    file = parser.Parse(source, "");
  } catch (err) {
    const goErr = err as Partial<GoParseError>;
    const message = typeof goErr.Error === "function" ? goErr.Error() : String(err);
    throw new ShellSyntaxError(`not valid shell syntax: ${message}`);
  }
  return new Converter(source).script(file.Stmts);
}

function typeOf(node: GoNode): string {
  const t = node.$type;
  return t.slice(t.lastIndexOf("*") + 1);
}

/** Field access on GopherJS nodes whose exact shape depends on the node type. */
function field<T>(node: GoNode, name: string): T {
  return (node as unknown as Record<string, T>)[name] as T;
}

class Converter {
  private readonly bytes: Uint8Array | undefined;
  constructor(private readonly source: string) {
    // mvdan/sh positions are byte offsets: only non-ASCII text needs the byte view.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
    this.bytes = /^[\x00-\x7f]*$/.test(source) ? undefined : new TextEncoder().encode(source);
  }

  script(stmts: GoStmt[], node?: GoNode): Script {
    return { stmts: stmts.map((s) => this.stmt(s)), source: node ? this.text(node) : this.source };
  }

  private text(node: GoNode): string {
    const from = node.Pos().Offset();
    const to = node.End().Offset();
    if (!this.bytes) return this.source.slice(from, to);
    return new TextDecoder().decode(this.bytes.subarray(from, to));
  }

  private stmt(s: GoStmt): Stmt {
    const redirects = s.Redirs.map((r) => this.redirect(r));
    const command: Command = s.Cmd
      ? this.command(s.Cmd)
      : { kind: "simple", assigns: [], words: [], declaration: false };
    return { command, redirects, background: s.Background || s.Coprocess };
  }

  private stmts(list: GoStmt[] | null | undefined): Stmt[] {
    return list ? list.map((s) => this.stmt(s)) : [];
  }

  private command(node: GoNode): Command {
    switch (typeOf(node)) {
      case "CallExpr":
        return {
          kind: "simple",
          assigns: field<GoAssign[]>(node, "Assigns").map((a) => this.assign(a)),
          words: field<GoWord[]>(node, "Args").map((w) => this.word(w)),
          declaration: false,
        };
      case "DeclClause": {
        const variant = field<GoLit>(node, "Variant").Value;
        const assigns: Assign[] = [];
        const words: Word[] = [
          { parts: [{ kind: "lit", value: variant, quoted: false }], source: variant },
        ];
        for (const a of field<GoAssign[]>(node, "Args")) {
          if (a.Naked && !a.Name && a.Value) words.push(this.word(a.Value));
          else assigns.push(this.assign(a));
        }
        return { kind: "simple", assigns, words, declaration: true };
      }
      case "BinaryCmd": {
        const op = BINARY_OPS[field<number>(node, "Op")] ?? "|";
        const left = this.stmt(field<GoStmt>(node, "X"));
        const right = this.stmt(field<GoStmt>(node, "Y"));
        if (op === "&&" || op === "||") return { kind: "and-or", op, left, right };
        // Flatten a | b | c (parsed as (a | b) | c) into one pipeline of stages.
        const stages =
          left.command.kind === "pipeline" && left.redirects.length === 0
            ? left.command.stages
            : [left];
        return { kind: "pipeline", stages: [...stages, right] };
      }
      case "Subshell":
      case "Block":
        return {
          kind: "group",
          body: this.stmts(field(node, "Stmts")),
          subshell: typeOf(node) === "Subshell",
        };
      case "FuncDecl":
        return {
          kind: "function",
          name: field<GoLit>(node, "Name").Value,
          body: this.stmt(field(node, "Body")),
        };
      case "IfClause":
        return { kind: "block", body: this.ifChain(node), words: [], loop: false };
      case "WhileClause":
        return {
          kind: "block",
          body: [...this.stmts(field(node, "Cond")), ...this.stmts(field(node, "Do"))],
          words: [],
          loop: true,
        };
      case "CaseClause": {
        const body: Stmt[] = [];
        const words = [this.word(field(node, "Word"))];
        for (const item of field<{ Patterns: GoWord[]; Stmts: GoStmt[] }[]>(node, "Items")) {
          words.push(...item.Patterns.map((p) => this.word(p)));
          body.push(...this.stmts(item.Stmts));
        }
        return { kind: "block", body, words, loop: false };
      }
      case "ForClause":
        return this.forClause(node);
      case "TimeClause":
      case "CoprocClause": {
        const inner = field<GoStmt | null>(node, "Stmt");
        return { kind: "group", body: inner ? [this.stmt(inner)] : [], subshell: false };
      }
      default:
        // TestClause, ArithmCmd, LetClause and anything newer: only nested commands can run.
        return { kind: "test", words: [], scripts: this.nestedScripts(node) };
    }
  }

  private ifChain(node: GoNode): Stmt[] {
    const out = [...this.stmts(field(node, "Cond")), ...this.stmts(field(node, "Then"))];
    const next = field<GoNode | null>(node, "Else");
    return next ? [...out, ...this.ifChain(next)] : out;
  }

  private forClause(node: GoNode): Command {
    const loop = field<GoNode>(node, "Loop");
    const body = this.stmts(field(node, "Do"));
    if (typeOf(loop) === "WordIter") {
      const items = field<GoWord[]>(loop, "Items");
      const hasIn = field<GoPos>(loop, "InPos").Offset() > 0 || items.length > 0;
      return {
        kind: "for",
        variable: field<GoLit>(loop, "Name").Value,
        items: hasIn ? items.map((w) => this.word(w)) : null,
        body,
      };
    }
    // C-style for: only substitutions nested in the (( )) header can run commands.
    const header: Stmt = {
      command: { kind: "test", words: [], scripts: this.nestedScripts(loop) },
      redirects: [],
      background: false,
    };
    return { kind: "block", body: [header, ...body], words: [], loop: true };
  }

  private assign(a: GoAssign): Assign {
    const name = a.Name?.Value ?? "";
    const values = a.Array
      ? a.Array.Elems.flatMap((e) => (e.Value ? [this.word(e.Value)] : []))
      : a.Value
        ? [this.word(a.Value)]
        : [];
    return { name, values, array: a.Array !== null, append: a.Append };
  }

  private redirect(r: GoRedirect): Redirect {
    const op = REDIRECT_OPS[r.Op] ?? ">";
    const target = r.Word ? this.word(r.Word) : { parts: [], source: "" };
    const out: Redirect = { op, target };
    if (r.N) out.fd = r.N.Value;
    if (r.Hdoc) out.heredoc = this.heredoc(r.Hdoc, target);
    return out;
  }

  /** A quoted delimiter (<<'EOF') makes the body literal; otherwise it expands like "...". */
  private heredoc(body: GoWord, delimiter: Word): Word {
    const literal = delimiter.parts.some((p) => p.kind === "lit" && p.quoted);
    if (literal)
      return {
        parts: [{ kind: "lit", value: this.text(body), quoted: true }],
        source: this.text(body),
      };
    return { parts: body.Parts.flatMap((p) => this.part(p, true, true)), source: this.text(body) };
  }

  word(w: GoWord): Word {
    return { parts: w.Parts.flatMap((p) => this.part(p, false, false)), source: this.text(w) };
  }

  private part(node: GoNode, quoted: boolean, heredoc: boolean): Part[] {
    switch (typeOf(node)) {
      case "Lit": {
        const raw = field<string>(node, "Value");
        const value = heredoc
          ? raw.replace(/\\([$`\\\n])/g, (_, c: string) => (c === "\n" ? "" : c))
          : quoted
            ? unescapeDoubleQuoted(raw)
            : unescapeUnquoted(raw);
        return [{ kind: "lit", value, quoted }];
      }
      case "SglQuoted": {
        const raw = field<string>(node, "Value");
        return [
          {
            kind: "lit",
            value: field<boolean>(node, "Dollar") ? decodeAnsiC(raw) : raw,
            quoted: true,
          },
        ];
      }
      case "DblQuoted": {
        const parts = field<GoNode[]>(node, "Parts").flatMap((p) => this.part(p, true, false));
        // "" is an empty field, not nothing: keep one empty quoted literal.
        return parts.length > 0 ? parts : [{ kind: "lit", value: "", quoted: true }];
      }
      case "ParamExp":
        return [this.param(node, quoted)];
      case "CmdSubst":
        return [{ kind: "subst", script: this.script(field(node, "Stmts"), node), quoted }];
      case "ProcSubst":
        return [{ kind: "procsubst", script: this.script(field(node, "Stmts"), node) }];
      default:
        return [{ kind: "opaque", quoted, scripts: this.nestedScripts(node) }];
    }
  }

  private param(node: GoNode, quoted: boolean): Part {
    const name = field<GoLit | null>(node, "Param")?.Value ?? "";
    const opaque: Part = { kind: "opaque", quoted, scripts: this.nestedScripts(node) };
    if (
      field<boolean>(node, "Length") ||
      field<boolean>(node, "Excl") ||
      field<boolean>(node, "Width")
    )
      return opaque;
    const op = this.paramOp(node);
    if (op === null) return opaque;
    return op ? { kind: "param", name, quoted, op } : { kind: "param", name, quoted };
  }

  /** undefined: plain ${x}; null: a form we do not evaluate. */
  private paramOp(node: GoNode): ParamOp | undefined | null {
    const w = (x: GoWord | null | undefined): Word =>
      x ? this.word(x) : { parts: [], source: "" };
    const index = field<GoNode | null>(node, "Index");
    const slice = field<{ Offset: GoWord | null; Length: GoWord | null } | null>(node, "Slice");
    const repl = field<{ All: boolean; Orig: GoWord | null; With: GoWord | null } | null>(
      node,
      "Repl",
    );
    const exp = field<{ Op: number; Word: GoWord | null } | null>(node, "Exp");
    if (index)
      return typeOf(index) === "Word"
        ? { kind: "element", index: this.word(index as GoWord) }
        : { kind: "element", index: null };
    if (slice)
      return slice.Offset && typeOf(slice.Offset) === "Word"
        ? {
            kind: "slice",
            offset: w(slice.Offset),
            length: slice.Length && typeOf(slice.Length) === "Word" ? w(slice.Length) : null,
          }
        : null;
    if (repl)
      return {
        kind: "replace",
        all: repl.All,
        pattern: w(repl.Orig),
        with: repl.With ? w(repl.With) : null,
      };
    if (!exp) return undefined;
    // ParExpOperator numbers of mvdan/sh v3: + :+ - :- ? :? = := % %% # ## ^ ^^ , ,,
    switch (exp.Op) {
      case 68:
      case 69:
        return { kind: "alternative", word: w(exp.Word) };
      case 70:
      case 71:
      case 72:
      case 73:
        return { kind: "default", word: w(exp.Word), assign: false };
      case 74:
      case 75:
        return { kind: "default", word: w(exp.Word), assign: true };
      case 76:
      case 77:
        return { kind: "trim", from: "suffix", longest: exp.Op === 77, pattern: w(exp.Word) };
      case 78:
      case 79:
        return { kind: "trim", from: "prefix", longest: exp.Op === 79, pattern: w(exp.Word) };
      case 80:
      case 81:
        return { kind: "case", upper: true };
      case 82:
      case 83:
        return { kind: "case", upper: false };
      default:
        return null;
    }
  }

  /** Command and process substitutions nested anywhere under a node we do not model. */
  private nestedScripts(node: GoNode): Script[] {
    const found: Script[] = [];
    syntax.Walk(node, (n) => {
      if (!n || n === node) return true;
      const t = typeOf(n);
      if (t === "CmdSubst" || t === "ProcSubst") {
        found.push(this.script(field(n, "Stmts"), n));
        return false;
      }
      return true;
    });
    return found;
  }
}
