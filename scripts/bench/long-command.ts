// Long command lines: parse and the whole policy check of heredocs that write files (up to the
// 1 MiB bound), against the same lines parsed whole (no lifting) and a short command, in one run.
// Run: npx bun scripts/bench/long-command.ts [repeats]
import { checkCommand } from "../../src/policy/check.ts";
import { parseShell } from "../../src/shell/parse.ts";

const repeats = Number(process.argv[2] ?? 7);
const MiB = 1024 * 1024;
// biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text, not a template
const SOURCE_LINE = "export const greet = (name: string) => `hello ${name}`; // \\ $HOME 'q'\n";
const TEXT_LINE = "plain text without anything to expand, 0123456789\n";

function heredoc(size: number, quoted: boolean, line: string): string {
  const head = `cat > /tmp/bench-out.ts <<${quoted ? "'EOF'" : "EOF"}\n`;
  const tail = "EOF\necho written";
  const body = line.repeat(Math.floor((size - head.length - tail.length) / line.length));
  return `${head}${body}${tail}`;
}

/** The mvdan-sh parse of the line as it is, as every line was parsed before lifting. */
function parseWhole(src: string): void {
  (require("mvdan-sh") as typeof import("mvdan-sh")).syntax.NewParser().Parse(src, "");
}

function median(f: () => void): number {
  f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const short = "cd build && make -j8 2>&1 | tail -50";
for (let i = 0; i < 200; i++) checkCommand(short); // the parser's runtime starts on first use
const baseline = median(() => checkCommand(short));
console.log(`policy check of "${short}": ${(baseline * 1000).toFixed(0)} µs (baseline)`);
console.log(
  "case                                   size     parse ms  check ms  whole-parse ms  parse/whole",
);
const cases: [string, string][] = [
  ["quoted heredoc (source file)", heredoc(MiB, true, SOURCE_LINE)],
  ["unquoted heredoc, nothing to expand", heredoc(MiB, false, TEXT_LINE)],
  ["quoted heredoc 200 KB", heredoc(200 * 1024, true, SOURCE_LINE)],
  ["quoted heredoc 64 KiB (the old bound)", heredoc(64 * 1024, true, SOURCE_LINE)],
];
for (const [name, src] of cases) {
  const parse = median(() => parseShell(src));
  const check = median(() => checkCommand(src));
  const whole = median(() => parseWhole(src));
  console.log(
    `${name.padEnd(38)} ${String(src.length).padStart(7)}  ${parse.toFixed(2).padStart(8)}  ${check.toFixed(2).padStart(8)}  ${whole.toFixed(1).padStart(14)}  ${(parse / whole).toFixed(3).padStart(11)}`,
  );
}
// Unquoted with an expansion on every line: the parser must read it. Up to 64 KiB it does (the
// worst case still analysed); beyond, the line is refused at once.
const expanding = heredoc(64 * 1024 - 100, false, "value=$HOME/x\n");
console.log(
  `unquoted heredoc with $ on every line, 64 KiB (parsed whole): parse ${median(() => parseShell(expanding)).toFixed(1)} ms`,
);
const tooLong = heredoc(256 * 1024, false, "value=$HOME/x\n");
const refuse = median(() => {
  try {
    parseShell(tooLong);
  } catch {
    // refused: what is timed
  }
});
console.log(
  `the same at 256 KiB is refused (quote the delimiter, or put_file) in ${refuse.toFixed(2)} ms`,
);
console.log(
  `short command check after the long ones: ${(median(() => checkCommand(short)) * 1000).toFixed(0)} µs (${(median(() => checkCommand(short)) / baseline).toFixed(2)} × baseline)`,
);
