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

test("a home given to a container is refused only when the container deletes or re-permissions", () => {
  const home = { cwd: ["~"] };
  expect(check('docker run --rm -v "$PWD":/src -w /src node npm test', home).verdict.allowed).toBe(
    true,
  );
  expect(check('docker run --rm -v "$PWD":/w alpine rm -rf /w/*', home).verdict).toMatchObject({
    allowed: false,
    rule: "container-host-mount",
  });
  expect(check("docker run --rm -v /etc:/e alpine ls /e", home).verdict.allowed).toBe(false);
});

test("container refusals are waived by a node's allow list, and only there", () => {
  const cmd = "docker run --privileged alpine true";
  expect(check(cmd).verdict).toMatchObject({ allowed: false, rule: "container-privileged" });
  expect(check(cmd).waivable).toBeDefined();
  const waived = { name: "gpu", allow: ["rule:container-*"] };
  expect(check(cmd, { node: waived }).verdict).toEqual({ allowed: true });
  expect(check(cmd, { node: { name: "n", allow: ["docker"] } }).verdict.allowed).toBe(false);
  // A waiver alone does not make the node deny-by-default for other commands.
  expect(check("make", { node: waived }).verdict).toEqual({ allowed: true });
  // A rule no node may waive stays refused.
  expect(check("rm -rf /", { node: waived }).verdict.allowed).toBe(false);
});
