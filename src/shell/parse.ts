// Parses a command line as bash (mvdan/sh via mvdan-sh) into the parser-neutral tree of shell-ast.ts.
import type { GoParseError, GoParser } from "mvdan-sh";
import { flag, kindOf, node, nodes, num, offset, type Raw, text } from "./gopherjs.ts";
import { WordReader } from "./parse-words.ts";
import type { Assign, Command, Redirect, Script, Stmt, Word } from "./shell-ast.ts";

/** The command is not valid shell: it must never run, since we cannot tell what it would do. */
export class ShellSyntaxError extends Error {
  override readonly name = "ShellSyntaxError";
}

/** Commands longer than this are refused rather than analysed (agents send one-liners). */
export const MAX_COMMAND_LENGTH = 64 * 1024;

// One parser object, reused: creating one allocates a lot of GopherJS state.
let parser: GoParser | undefined;

/**
 * Loaded on first use: starting the GopherJS runtime takes 25-70 ms, which verbs that never parse
 * (version, probe, status) should not pay. A literal require is still bundled by `bun build`.
 */
function shellParser(): GoParser {
  parser ??= (require("mvdan-sh") as typeof import("mvdan-sh")).syntax.NewParser();
  return parser;
}

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
  let file: Raw;
  try {
    file = shellParser().Parse(source, "").__internal_object__ as Raw;
  } catch (err) {
    const goErr = err as Partial<GoParseError>;
    const message = typeof goErr.Error === "function" ? goErr.Error() : String(err);
    throw new ShellSyntaxError(`not valid shell syntax: ${message}`);
  }
  return new Converter(source).script(file);
}

/** `while true`, `while :`, `while sleep 1`, `until false`: a loop that never ends by itself. */
function endlessCondition(cond: Stmt[], until: boolean): boolean {
  const only = cond.length === 1 ? cond[0]?.command : undefined;
  if (only?.kind !== "simple" || only.words.length === 0) return false;
  const word = only.words[0]?.parts.map((p) => (p.kind === "lit" ? p.value : "\0")).join("");
  return until ? word === "false" : word === "true" || word === ":" || word === "sleep";
}

class Converter extends WordReader {
  script(n: Raw, span?: [number, number]): Script {
    return {
      stmts: this.stmts(n, "Stmts"),
      source: span ? this.slice(span[0], span[1]) : this.source,
    };
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
      case "WhileClause": {
        const cond = this.stmts(n, "Cond");
        return {
          kind: "block",
          body: [...cond, ...this.stmts(n, "Do")],
          words: [],
          loop: true,
          endless: endlessCondition(cond, flag(n, "Until")),
        };
      }
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
    const endless = !node(loop, "Cond"); // for ((;;))
    return { kind: "block", body: [header, ...body], words: [], loop: true, endless };
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
    const index = node(a, "Index");
    return {
      name: text(node(a, "Name") ?? a, "Value"),
      values,
      array: array !== undefined,
      append: flag(a, "Append"),
      // An arithmetic index (a[i+1]) is not evaluated: an empty word, "some element".
      ...(index
        ? { index: kindOf(index) === "Word" ? this.word(index) : { parts: [], source: "" } }
        : {}),
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
}
