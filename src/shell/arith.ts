// $((...)) evaluated statically when every operand is a known integer: `kill -9 -$((0+1))` is
// `kill -9 -1`. Integers, variables with known numeric values, + - * / % ** << >> & | ^ ~ ! and
// comparisons; anything else (assignments, ++, ternaries, unknown variables) is unknown.

type Lookup = (name: string) => string | undefined;

export function evaluateArithmetic(expression: string, lookup: Lookup): bigint | undefined {
  const tokens = expression.match(
    /\d+|0[xX][0-9a-fA-F]+|[A-Za-z_]\w*|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()&|^~!<>]|\S/g,
  );
  if (!tokens) return undefined;
  let i = 0;
  const peek = () => tokens[i];
  const fail = (): never => {
    throw new Error("unknown");
  };
  const BINARY: [string[], (a: bigint, b: bigint) => bigint][] = [
    [["||"], (a, b) => (a !== 0n || b !== 0n ? 1n : 0n)],
    [["&&"], (a, b) => (a !== 0n && b !== 0n ? 1n : 0n)],
    [["|"], (a, b) => a | b],
    [["^"], (a, b) => a ^ b],
    [["&"], (a, b) => a & b],
    [["==", "!="], () => 0n],
    [["<", ">", "<=", ">="], () => 0n],
    [["<<", ">>"], () => 0n],
    [["+", "-"], () => 0n],
    [["*", "/", "%"], () => 0n],
  ];
  const apply = (op: string, a: bigint, b: bigint): bigint => {
    switch (op) {
      case "==":
        return a === b ? 1n : 0n;
      case "!=":
        return a !== b ? 1n : 0n;
      case "<":
        return a < b ? 1n : 0n;
      case ">":
        return a > b ? 1n : 0n;
      case "<=":
        return a <= b ? 1n : 0n;
      case ">=":
        return a >= b ? 1n : 0n;
      case "<<":
        return a << b;
      case ">>":
        return a >> b;
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return b === 0n ? fail() : a / b;
      case "%":
        return b === 0n ? fail() : a % b;
      default:
        return (BINARY.find(([ops]) => ops.includes(op))?.[1] ?? fail)(a, b);
    }
  };
  const level = (n: number): bigint => {
    if (n >= BINARY.length) return power();
    let left = level(n + 1);
    while (BINARY[n]?.[0].includes(peek() ?? "")) {
      const op = tokens[i++] as string;
      left = apply(op, left, level(n + 1));
    }
    return left;
  };
  const power = (): bigint => {
    const base = unary();
    if (peek() !== "**") return base;
    i++;
    const exp = power();
    return exp < 0n || exp > 256n ? fail() : base ** exp;
  };
  const unary = (): bigint => {
    const t = peek();
    if (t === "-" || t === "+" || t === "!" || t === "~") {
      i++;
      const v = unary();
      return t === "-" ? -v : t === "+" ? v : t === "!" ? (v === 0n ? 1n : 0n) : ~v;
    }
    return primary();
  };
  const primary = (): bigint => {
    const t = tokens[i++];
    if (t === undefined) return fail();
    if (t === "(") {
      const v = level(0);
      if (tokens[i++] !== ")") fail();
      return v;
    }
    if (/^\d+$/.test(t)) return t.length > 1 && t.startsWith("0") ? BigInt(`0o${t}`) : BigInt(t);
    if (/^0[xX]/.test(t)) return BigInt(t);
    if (/^[A-Za-z_]/.test(t)) {
      const value = lookup(t)?.trim();
      // An unset variable is 0 in arithmetic; a set one must be a plain integer here.
      if (value === undefined) return fail();
      if (value === "") return 0n;
      return /^-?\d+$/.test(value) ? BigInt(value) : fail();
    }
    return fail();
  };
  try {
    const v = level(0);
    return i === tokens.length ? v : undefined;
  } catch {
    return undefined;
  }
}
