// The lifted parse must read every command exactly as the whole parse does, and fast.
import { describe, expect, test } from "bun:test";
import { liftHeredocBodies } from "./heredoc-lift.ts";
import { parseShell } from "./parse.ts";

const body = (n: number, line = "const x = 'a' + \"b\"; // $HOME `x` \\ text\n") =>
  line.repeat(Math.ceil(n / line.length));
const pad = `# ${"p".repeat(17_000)}\n`; // over the size where lifting starts

/**
 * The same tree as the parser gives for the whole line: the line without its pad (a comment line)
 * is under the size where lifting starts, so it is parsed whole.
 */
function sameAsWhole(src: string): void {
  const lifted = parseShell(src);
  expect(lifted.source).toBe(src);
  expect(JSON.stringify(strip(lifted))).toBe(
    JSON.stringify(strip(parseShell(src.replace(pad, "")))),
  );
}

function strip(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === "source" ? undefined : x)));
}

describe("lifting here-doc bodies", () => {
  test("a quoted body with $, backticks and backslashes comes back as written", () => {
    const text = body(40_000);
    const src = `${pad}cat > /tmp/a.ts <<'EOF'\n${text}EOF\necho done`;
    const lifted = liftHeredocBodies(src);
    expect(lifted?.bodies.size).toBe(1);
    const doc = parseShell(src).stmts[0]?.redirects.find((r) => r.op === "<<")?.heredoc;
    expect(doc?.parts).toEqual([{ kind: "lit", value: text, quoted: true }]);
    expect(parseShell(src).stmts.length).toBe(2);
  });

  test("an unquoted body without expansions is lifted; one with $ is parsed", () => {
    const plain = body(2000, "plain text line 12345\n");
    const lifted = liftHeredocBodies(`${pad}cat > f <<EOF\n${plain}EOF\n`);
    expect(lifted?.bodies.size).toBe(1);
    const expanding = `${pad}cat > f <<EOF\n${plain}$(rm -rf /)\nEOF\n`;
    expect(liftHeredocBodies(expanding)).toBeUndefined();
    sameAsWhole(expanding);
  });

  test("several here-docs on a line, and on several lines", () => {
    const a = body(1000);
    const b = body(2000);
    sameAsWhole(`${pad}cat <<'A' <<"B" > x\n${a}A\n${b}B\ncat > y <<\\C\n${a}C\necho end\n`);
  });

  test("a << inside quotes or a comment is not a here-doc: the whole line is parsed", () => {
    const hidden = `${body(1000, "x\n")}rm -rf /\n`;
    for (const src of [
      `${pad}echo '<<EOF'\n${hidden}EOF\n`,
      `${pad}echo "a <<EOF"\n${hidden}EOF\n`,
      `${pad}# see <<EOF\n${hidden}EOF\n`,
    ]) {
      const names = parseShell(src).stmts.flatMap((s) =>
        s.command.kind === "simple" ? [s.command.words[0]?.source] : [],
      );
      expect(names).toContain("rm");
    }
  });

  test("a here-string <<< is not a here-doc", () => {
    expect(liftHeredocBodies(`${pad}cat <<<EOF\n${body(1000)}EOF\n`)).toBeUndefined();
  });

  test("a quoted string spanning the operator's line moves the body: the whole line is parsed", () => {
    const a = body(1000, "line\n");
    sameAsWhole(`${pad}cat <<'E'; echo 'x\ny'\n${a}E\n`);
  });

  test("<<- is left to the parser (its tab stripping)", () => {
    expect(liftHeredocBodies(`${pad}cat <<-'E'\n\t${body(1000)}\tE\n`)).toBeUndefined();
  });

  test("an unterminated here-doc lifts nothing after it", () => {
    expect(liftHeredocBodies(`${pad}cat <<'E'\n${body(1000)}`)).toBeUndefined();
  });

  test("1 MiB: parsed, not refused; one byte more is refused", () => {
    const head = "cat > /tmp/big.ts <<'EOF'\n";
    const tail = "EOF\n";
    const text = `${"x".repeat(1024 * 1024 - head.length - tail.length - 1)}\n`;
    const src = `${head}${text}${tail}`;
    expect(src.length).toBe(1024 * 1024);
    expect(parseShell(src).stmts).toHaveLength(1);
    expect(() => parseShell(`${src} `)).toThrow(/longer than 1048576 characters/);
  });
});

describe("what the parser reads is bounded", () => {
  test("a long line that is not a literal here-doc is refused, naming what to do", () => {
    const expanding = `cat > f <<EOF\n${"v=$HOME\n".repeat(10_000)}EOF\n`;
    expect(() => parseShell(expanding)).toThrow(/quote the delimiter \(<<'EOF'\)/);
    expect(() => parseShell(`echo ${"a ".repeat(40_000)}`)).toThrow(/at most 65536/);
  });

  test("a lifted line whose markers the parser does not confirm is read whole when short enough", () => {
    const src = `${pad}echo '<<EOF'\n${"x\n".repeat(500)}EOF\n`;
    expect(() => parseShell(src)).not.toThrow();
  });
});
