// The policy measured as the README states it (issue 13): the independent corpus of dangerous forms
// and everyday look-alikes, through the dry-run routing decision. At least 98 % of the dangerous
// forms refused and at most 2 % of the look-alikes; a failure lists every miss.
import { expect, test } from "bun:test";
import { routeVerdict } from "../fixtures/policy-corpus/adapter.ts";
import { DANGEROUS } from "../fixtures/policy-corpus/dangerous.ts";
import { HARMLESS } from "../fixtures/policy-corpus/harmless.ts";

const where = (cwd?: string) => (cwd ? ` (cwd ${cwd})` : "");

test("at least 98% of the dangerous forms are refused", () => {
  const missed = DANGEROUS.filter((e) => !routeVerdict(e.command, e.cwd).refused);
  const refused = 1 - missed.length / DANGEROUS.length;
  const report = missed.map((e) => `  ${e.family}: ${e.command}${where(e.cwd)}`).join("\n");
  const summary = `${(100 * refused).toFixed(1)}% of ${DANGEROUS.length} refused; allowed:\n${report}`;
  expect(refused >= 0.98 ? "ok" : summary).toBe("ok");
});

test("at most 2% of the harmless look-alikes are refused", () => {
  const refused = HARMLESS.map((e) => ({ e, v: routeVerdict(e.command, e.cwd) })).filter(
    (x) => x.v.refused,
  );
  const share = refused.length / HARMLESS.length;
  const report = refused
    .map(({ e, v }) => `  ${e.family}: ${e.command}${where(e.cwd)} [${v.rule}: ${v.reason}]`)
    .join("\n");
  const summary = `${(100 * share).toFixed(1)}% of ${HARMLESS.length} refused:\n${report}`;
  expect(share <= 0.02 ? "ok" : summary).toBe("ok");
});
