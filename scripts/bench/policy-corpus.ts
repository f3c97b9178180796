// Policy corpus measurement (issue 13): every dangerous form and harmless look-alike of
// test/fixtures/policy-corpus through the dry-run routing decision; static analysis only, nothing
// is executed. Prints refused/total per family, the overall figures, then every miss.
// Run: npx bun scripts/bench/policy-corpus.ts
import { routeVerdict } from "../../test/fixtures/policy-corpus/adapter.ts";
import { DANGEROUS } from "../../test/fixtures/policy-corpus/dangerous.ts";
import { HARMLESS } from "../../test/fixtures/policy-corpus/harmless.ts";
import { DANGER_FAMILIES } from "../../test/fixtures/policy-corpus/types.ts";

interface Tally {
  hits: number;
  total: number;
}
const pct = (n: number, d: number) => (d === 0 ? "-" : `${((100 * n) / d).toFixed(1)}%`);
const where = (cwd?: string) => (cwd ? ` (cwd ${cwd})` : "");
const oneLine = (s: string) => s.replaceAll("\n", "⏎");

function tallyBy<T extends { family: string }>(
  items: readonly T[],
  order: readonly string[],
  hit: (item: T) => boolean,
): Map<string, Tally> {
  const out = new Map<string, Tally>(order.map((f) => [f, { hits: 0, total: 0 }]));
  for (const item of items) {
    const t = out.get(item.family) ?? { hits: 0, total: 0 };
    t.total++;
    if (hit(item)) t.hits++;
    out.set(item.family, t);
  }
  return out;
}

function printTable(title: string, tallies: Map<string, Tally>): void {
  console.log(title);
  for (const [family, t] of tallies)
    console.log(
      `  ${family.padEnd(20)} ${`${t.hits}/${t.total}`.padStart(8)}  ${pct(t.hits, t.total)}`,
    );
}

const dangerous = DANGEROUS.map((e) => ({ ...e, verdict: routeVerdict(e.command, e.cwd) }));
const harmless = HARMLESS.map((e) => ({ ...e, verdict: routeVerdict(e.command, e.cwd) }));

printTable(
  "dangerous forms refused (refused/total)",
  tallyBy(dangerous, DANGER_FAMILIES, (e) => e.verdict.refused),
);
printTable(
  "harmless look-alikes allowed (allowed/total)",
  tallyBy(harmless, [], (e) => !e.verdict.refused),
);

const refusedDangerous = dangerous.filter((e) => e.verdict.refused);
const refusedHarmless = harmless.filter((e) => e.verdict.refused);
const byRule = new Map<string, number>();
for (const e of refusedDangerous) {
  const rule = e.verdict.rule ?? "?";
  byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
}
console.log("\noverall");
console.log(
  `  dangerous refused   ${refusedDangerous.length}/${dangerous.length}  ${pct(refusedDangerous.length, dangerous.length)}   (goal >= 98%)`,
);
console.log(
  `  harmless refused    ${refusedHarmless.length}/${harmless.length}  ${pct(refusedHarmless.length, harmless.length)}   (goal <= 2%)`,
);
console.log(
  `  harmless allowed    ${harmless.length - refusedHarmless.length}/${harmless.length}  ${pct(harmless.length - refusedHarmless.length, harmless.length)}`,
);
console.log(
  `  dangerous refusals by rule: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(", ") || "none"}`,
);

console.log("\nmisses: dangerous forms allowed (family: command)");
for (const e of dangerous.filter((x) => !x.verdict.refused))
  console.log(
    `  ${e.family}: ${oneLine(e.command)}${where(e.cwd)}${e.verdict.rule === "crash" ? `  [crash: ${e.verdict.reason}]` : ""}`,
  );
console.log("\nmisses: harmless look-alikes refused (family: command [rule])");
for (const e of refusedHarmless)
  console.log(`  ${e.family}: ${oneLine(e.command)}${where(e.cwd)}  [${e.verdict.rule}]`);
