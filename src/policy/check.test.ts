import { describe, expect, test } from "bun:test";
import { checkCommand as check } from "./check.ts";

const checkCommand = (command: string, node?: { name: string; deny?: string[] }) =>
  check(command, node ? { node } : {}).verdict;

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

test("an analysed command comes with its analysis; a refused-unparsed one without", () => {
  expect(check("make -j8").analysis?.invocations.map((i) => i.name)).toEqual(["make"]);
  expect(check("echo $(").analysis).toBeUndefined();
});
