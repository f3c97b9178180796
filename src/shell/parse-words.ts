// Word conversion for parse.ts: mvdan/sh word parts (quotes, $x, ${x...}, $(...)) into shell-ast
// parts, with the source text of each word for messages.
import { flag, forEachNode, kindOf, node, nodes, num, offset, type Raw, text } from "./gopherjs.ts";
import type { ParamOp, Part, Script, Word } from "./shell-ast.ts";
import { decodeAnsiC, unescapeDoubleQuoted, unescapeUnquoted } from "./unescape.ts";

export abstract class WordReader {
  private readonly bytes: Uint8Array | undefined;
  constructor(protected readonly source: string) {
    // Positions are byte offsets: only non-ASCII text needs the byte view.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
    this.bytes = /^[\x00-\x7f]*$/.test(source) ? undefined : new TextEncoder().encode(source);
  }

  /** Converts the statements of a File, CmdSubst or ProcSubst node. */
  abstract script(n: Raw, span?: [number, number]): Script;

  protected slice(from: number, to: number): string {
    if (to <= from) return "";
    if (!this.bytes) return this.source.slice(from, to);
    return new TextDecoder().decode(this.bytes.subarray(from, to));
  }

  /** A quoted delimiter (<<'EOF') makes the body literal; otherwise it expands like "...". */
  protected heredoc(body: Raw, delimiter: Word): Word {
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

  protected part(p: Raw, quoted: boolean, heredoc: boolean): Part[] {
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
      case "ArithmExp": {
        const [from, to] = span();
        const open = flag(p, "Bracket") ? 2 : 3; // $[ or $((
        const expression = this.slice(from + open, to - (flag(p, "Bracket") ? 1 : 2));
        return [{ kind: "arith", expression, quoted, scripts: this.nestedScripts(p) }];
      }
      default:
        return [{ kind: "opaque", quoted, scripts: this.nestedScripts(p) }];
    }
  }

  private param(p: Raw, quoted: boolean): Part {
    const name = text(node(p, "Param") ?? p, "Value");
    const opaque: Part = { kind: "opaque", quoted, scripts: this.nestedScripts(p) };
    if (flag(p, "Length") || flag(p, "Width")) return opaque;
    // ${!name}: the variable whose name is name's value (${!prefix*} and ${!a[@]} stay unknown).
    if (flag(p, "Excl")) {
      const plain = !node(p, "Index") && !node(p, "Slice") && !node(p, "Repl") && !node(p, "Exp");
      return plain && num(p, "Names") === 0
        ? { kind: "param", name, quoted, indirect: true }
        : opaque;
    }
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
    if (op === 70 || op === 71) return { kind: "default", word: w, assign: false };
    // ${x?msg} aborts the shell only when x is unset: for our values, a plain ${x}.
    if (op === 72) return undefined;
    if (op === 73) return { kind: "required", message: w };
    if (op === 74 || op === 75) return { kind: "default", word: w, assign: true };
    if (op === 76 || op === 77)
      return { kind: "trim", from: "suffix", longest: op === 77, pattern: w };
    if (op === 78 || op === 79)
      return { kind: "trim", from: "prefix", longest: op === 79, pattern: w };
    if (op >= 80 && op <= 83) return { kind: "case", upper: op <= 81 };
    return null;
  }

  /** Command and process substitutions nested anywhere under a node we do not model. */
  protected nestedScripts(n: Raw): Script[] {
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
