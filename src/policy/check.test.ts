import { describe, expect, test } from "bun:test";
import { ClusterError, exitCodeFor } from "../errors.ts";
import { assertCommandAllowed, checkCommand } from "./check.ts";

describe("checkCommand", () => {
  test("allowed commands give { allowed: true }", () => {
    expect(checkCommand("make -j8")).toEqual({ allowed: true });
  });

  test("refusals name the rule and say what the command would do", () => {
    const v = checkCommand("sudo dd if=/dev/zero of=/dev/sda");
    expect(v).toEqual({
      allowed: false,
      rule: "block-device-write",
      message:
        "dd writing to the block device /dev/sda destroys its data (from: sudo dd if=/dev/zero of=/dev/sda)",
    });
  });

  test("unparseable and over-complex input is refused, not run", () => {
    expect(checkCommand("echo $(")).toMatchObject({ allowed: false, rule: "unparseable" });
    expect(checkCommand("x".repeat(70_000))).toMatchObject({ allowed: false, rule: "unparseable" });
    const deep =
      "a=1; ".repeat(1) +
      Array.from({ length: 300 }, (_, i) => `v=${i}; false || `).join("") +
      "true";
    expect(checkCommand(deep)).toMatchObject({ allowed: false, rule: "too-complex" });
  });

  test("node rules apply only when a node is given", () => {
    const node = { name: "n", deny: ["make"] };
    expect(checkCommand("make").allowed).toBe(true);
    expect(checkCommand("make", node)).toMatchObject({ allowed: false, rule: "nodes.n.deny:make" });
  });
});

describe("assertCommandAllowed", () => {
  test("throws ClusterError POLICY_DENIED with the rule, which maps to exit 77", () => {
    try {
      assertCommandAllowed(":(){ :|:& };:", { name: "n" });
      throw new Error("expected a refusal");
    } catch (err) {
      expect(err).toBeInstanceOf(ClusterError);
      const e = err as ClusterError;
      expect(e.code).toBe("POLICY_DENIED");
      expect(e.details).toEqual({ rule: "fork-bomb", node: "n" });
      expect(e.message).toStartWith("refused by rule fork-bomb: ");
      expect(exitCodeFor(e.code)).toBe(77);
    }
  });

  test("returns quietly for allowed commands", () => {
    expect(() => assertCommandAllowed("ls -la")).not.toThrow();
  });
});
