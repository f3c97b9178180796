import { describe, expect, test } from "bun:test";
import { effectiveSandbox, sandboxSpec, sandboxUnmet } from "./levels.ts";

describe("a run's sandbox only tightens the node's", () => {
  test("the stricter of the two wins; no request keeps the node's", () => {
    const cases: [string, string | undefined, string][] = [
      ["off", undefined, "off"],
      ["off", "system", "system"],
      ["off", "workspace", "workspace"],
      ["system", "off", "system"],
      ["system", "workspace", "workspace"],
      ["workspace", "off", "workspace"],
      ["workspace", "system", "workspace"],
    ];
    for (const [node, req, want] of cases)
      expect(effectiveSandbox(node as "off", req as "off" | undefined)).toBe(want as "off");
  });

  test("the executor's part: nothing for off, the level and writable paths otherwise", () => {
    expect(sandboxSpec("off", ["~/.cache"])).toBeUndefined();
    expect(sandboxSpec("system", ["~/.cache"])).toEqual({
      level: "system",
      writable: ["~/.cache"],
    });
  });

  test("a node without a tool cannot take a sandboxed run; unknown is checked at run time", () => {
    expect(sandboxUnmet("workspace", "none")).toBe(
      "has no sandbox (bwrap or sandbox-exec), needs sandbox=workspace",
    );
    expect(sandboxUnmet("off", "none")).toBeUndefined();
    expect(sandboxUnmet("system", "bwrap")).toBeUndefined();
    expect(sandboxUnmet("system", "sandbox-exec")).toBeUndefined();
    expect(sandboxUnmet("system", undefined)).toBeUndefined();
  });
});
