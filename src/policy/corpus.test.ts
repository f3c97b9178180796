// The policy corpus: dangerous forms must all be refused (by the named rule), look-alikes allowed.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not templates
import { describe, expect, test } from "bun:test";
import { DANGEROUS } from "../../test/fixtures/policy/dangerous.ts";
import { HARMLESS } from "../../test/fixtures/policy/harmless.ts";
import { checkCommand } from "./check.ts";
import { DANGER_RULES } from "./dangerous.ts";

/** The fixtures run where an agent usually works: a project directory in a home. */
const context = { cwd: ["/home/u/proj"] };

describe("dangerous corpus: every form is refused by its rule", () => {
  for (const [command, rule] of DANGEROUS) {
    test(command, () => {
      const { verdict } = checkCommand(command, context);
      expect(verdict.allowed ? "allowed" : verdict.rule).toBe(rule);
    });
  }
});

describe("harmless look-alikes: every one is allowed", () => {
  for (const command of HARMLESS) {
    test(command, () => {
      const { verdict } = checkCommand(command, context);
      expect(verdict.allowed ? "allowed" : `${verdict.rule}: ${verdict.message}`).toBe("allowed");
    });
  }
});

test("every documented rule is exercised by the corpus", () => {
  const used = new Set(DANGEROUS.map(([, rule]) => rule));
  for (const rule of Object.keys(DANGER_RULES))
    if (rule !== "too-complex") expect(`${rule}: ${used.has(rule)}`).toBe(`${rule}: true`);
});

test("the corpus is large enough", () => {
  expect(DANGEROUS.length).toBeGreaterThanOrEqual(40);
  expect(HARMLESS.length).toBeGreaterThanOrEqual(20);
});
