// Pins what parse.ts relies on in mvdan-sh: operator numbers and the raw GopherJS node layout.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not templates
import { describe, expect, test } from "bun:test";
import { parseShell, ShellSyntaxError } from "./parse.ts";
import type { Command, Stmt } from "./shell-ast.ts";

const first = (src: string): Stmt => parseShell(src).stmts[0] as Stmt;
const simple = (src: string) => first(src).command as Command & { kind: "simple" };

describe("operators", () => {
  test("&& || | |& and lists", () => {
    expect(first("a && b").command).toMatchObject({ kind: "and-or", op: "&&" });
    expect(first("a || b").command).toMatchObject({ kind: "and-or", op: "||" });
    const pipe = first("a | b |& c").command;
    expect(pipe.kind === "pipeline" && pipe.stages.length).toBe(3);
    expect(parseShell("a; b & c").stmts.map((s) => s.background)).toEqual([false, true, false]);
  });

  test("every redirect operator", () => {
    const ops = [">", ">>", "<", "<>", "<&", ">&", ">|", "<<<", "&>", "&>>"];
    for (const op of ops) expect(first(`a ${op} x`).redirects[0]?.op).toBe(op);
    expect(first("a 2>&1").redirects[0]).toMatchObject({ op: ">&", fd: "2" });
    expect(first("cat <<E\nx\nE").redirects[0]?.op).toBe("<<");
    expect(first("cat <<-E\n\tx\n\tE").redirects[0]?.op).toBe("<<-");
  });

  test("parameter expansion operators", () => {
    const op = (src: string) => {
      const part = simple(`echo ${src}`).words[1]?.parts[0];
      return part?.kind === "param" ? part.op : part?.kind;
    };
    expect(op("${a:-w}")).toMatchObject({ kind: "default", assign: false });
    expect(op("${a-w}")).toMatchObject({ kind: "default", assign: false });
    expect(op("${a:=w}")).toMatchObject({ kind: "default", assign: true });
    expect(op("${a:+w}")).toMatchObject({ kind: "alternative" });
    expect(op("${a#w}")).toMatchObject({ kind: "trim", from: "prefix", longest: false });
    expect(op("${a##w}")).toMatchObject({ kind: "trim", from: "prefix", longest: true });
    expect(op("${a%w}")).toMatchObject({ kind: "trim", from: "suffix", longest: false });
    expect(op("${a%%w}")).toMatchObject({ kind: "trim", from: "suffix", longest: true });
    expect(op("${a^^}")).toMatchObject({ kind: "case", upper: true });
    expect(op("${a,,}")).toMatchObject({ kind: "case", upper: false });
    expect(op("${a/x/y}")).toMatchObject({ kind: "replace", all: false });
    expect(op("${a//x/y}")).toMatchObject({ kind: "replace", all: true });
    expect(op("${a:1:2}")).toMatchObject({ kind: "slice" });
    expect(op("${a[@]}")).toMatchObject({ kind: "element" });
    expect(op("${#a}")).toBe("opaque");
    expect(op("${!a[@]}")).toBe("opaque");
    expect(op("${!pre*}")).toBe("opaque");
    expect(simple("echo ${!a}").words[1]?.parts[0]).toMatchObject({
      kind: "param",
      indirect: true,
    });
    expect(simple("echo $((1+2))").words[1]?.parts[0]).toMatchObject({
      kind: "arith",
      expression: "1+2",
    });
  });
});

describe("words", () => {
  test("quotes are removed and remembered", () => {
    expect(
      simple(`echo 'a b' "c" d\\ e`)
        .words.slice(1)
        .map((w) => w.parts),
    ).toEqual([
      [{ kind: "lit", value: "a b", quoted: true }],
      [{ kind: "lit", value: "c", quoted: true }],
      [{ kind: "lit", value: "d e", quoted: false }],
    ]);
    expect(simple(`echo ""`).words[1]?.parts).toEqual([{ kind: "lit", value: "", quoted: true }]);
  });

  test("source text of words, also after non-ASCII text", () => {
    expect(simple("echo ünï ${x} $((1+2)) $(id) <(ls) 'q'").words.map((w) => w.source)).toEqual([
      "echo",
      "ünï",
      "${x}",
      "$((1+2))",
      "$(id)",
      "<(ls)",
      "'q'",
    ]);
  });

  test("here-documents: quoted delimiter keeps $ literal, unquoted expands", () => {
    const literal = first("cat <<'E'\n$x\nE").redirects[0]?.heredoc?.parts;
    expect(literal).toEqual([{ kind: "lit", value: "$x\n", quoted: true }]);
    const expanding = first("cat <<E\n$x\nE").redirects[0]?.heredoc?.parts;
    expect(expanding?.some((p) => p.kind === "param")).toBe(true);
  });

  test("assignments, arrays and declarations", () => {
    expect(
      simple("a=1 b+=2 c=(x y)").assigns.map((a) => [a.name, a.append, a.array, a.values.length]),
    ).toEqual([
      ["a", false, false, 1],
      ["b", true, false, 1],
      ["c", false, true, 2],
    ]);
    const decl = simple("export -n X=1");
    expect(decl.declaration).toBe(true);
    expect(decl.words.map((w) => w.source)).toEqual(["export", "-n"]);
  });
});

describe("commands", () => {
  test("compound commands keep every nested statement", () => {
    expect(first("for i in a b; do x; done").command).toMatchObject({ kind: "for", variable: "i" });
    expect(first("for i; do x; done").command).toMatchObject({ kind: "for", items: null });
    expect(first("f() { x; }").command).toMatchObject({ kind: "function", name: "f" });
    expect(first("function g { x; }").command).toMatchObject({ kind: "function", name: "g" });
    expect(first("while a; do b; done").command).toMatchObject({ kind: "block", loop: true });
    expect(first("[[ -n $(x) ]]").command).toMatchObject({ kind: "test" });
  });

  test("syntax errors are ShellSyntaxError with mvdan/sh's message", () => {
    expect(() => parseShell("echo 'x")).toThrow(
      new ShellSyntaxError("not valid shell syntax: 1:6: reached EOF without closing quote '"),
    );
    expect(() => parseShell("a &&")).toThrow(ShellSyntaxError);
    expect(() => parseShell("x".repeat(70_000))).toThrow(/longer than/);
  });
});
