// A sandbox the run needs on a node (its own level, or the run's tighter one) routes like a
// requirement: nodes without one are excluded, and nowhere to go is SANDBOX_UNAVAILABLE.
import { describe, expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS, type FakeNode, fakeNode } from "../../test/fixtures/routing.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import { chooseNode, decisionError } from "./choose.ts";
import type { ChooseInput } from "./types.ts";

function route(command: string, nodes: NodeSnapshot[], extra: Partial<ChooseInput> = {}) {
  return chooseNode({ command, nodes, thresholds: DEFAULT_THRESHOLDS, ...extra });
}

const nodes = (...list: FakeNode[]) => list.map(fakeNode);

describe("a required sandbox is a requirement", () => {
  const box = (name: string, sandboxTool?: FakeNode["sandboxTool"], more: Partial<FakeNode> = {}) =>
    ({ name, sandboxTool, ...more }) satisfies FakeNode;

  test("a node without one is excluded; the run goes where one exists", () => {
    const list = nodes(box("big", "none", { cores: 32 }), box("small", "bwrap", { cores: 4 }));
    expect(route("make", list).node).toBe("big");
    const d = route("make", list, { sandbox: "workspace" });
    expect(d).toMatchObject({ decision: "remote", node: "small", sandbox: "workspace" });
    expect(d.reason).toEndWith("Sandbox: workspace.");
    expect(d.candidates.find((c) => c.node === "big")?.note).toBe(
      "has no sandbox (bwrap or sandbox-exec), needs sandbox=workspace",
    );
  });

  test("a node's own level needs its sandbox too, and a request only tightens it", () => {
    const list = nodes(box("strict", "bwrap", { sandbox: "workspace", cores: 32 }));
    expect(route("make", list)).toMatchObject({ node: "strict", sandbox: "workspace" });
    expect(route("make", list, { sandbox: "off" })).toMatchObject({ sandbox: "workspace" });
    expect(route("make", list, { sandbox: "system" })).toMatchObject({ sandbox: "workspace" });
    const lax = nodes(box("lax", "bwrap", { sandbox: "system" }));
    expect(route("make", lax, { sandbox: "workspace" }).sandbox).toBe("workspace");
    expect(route("make", lax).sandbox).toBe("system");
    expect(route("make", nodes(box("plain", "bwrap"))).sandbox).toBeUndefined();
    const broken = nodes(box("broken", "none", { sandbox: "system" }));
    expect(route("make", broken)).toMatchObject({ decision: "no_node", unavailable: "sandbox" });
  });

  test("nowhere to sandbox it: SANDBOX_UNAVAILABLE, also for an explicit node", () => {
    const list = nodes(box("a", "none"), box("b", "none", { os: "macos" }));
    const d = route("make", list, { sandbox: "system" });
    expect(d).toMatchObject({ decision: "no_node", node: null, unavailable: "sandbox" });
    expect(d.reason).toContain("No node can run it sandboxed: a has no sandbox");
    expect(decisionError(d)?.code).toBe("SANDBOX_UNAVAILABLE");
    const asked = route("make", list, { sandbox: "system", explicitNode: "b" });
    expect(asked).toMatchObject({ decision: "no_node", unavailable: "sandbox" });
    expect(decisionError(asked)?.code).toBe("SANDBOX_UNAVAILABLE");
    // Another unmet requirement as well: that is no node, not a missing sandbox.
    const both = route("make", list, {
      sandbox: "system",
      explicitNode: "b",
      requirements: { requires_os: "linux" },
    });
    expect(decisionError(both)?.code).toBe("NO_NODE");
  });

  test("a node reached over openssh sandboxes like one over ssh2: its probe's answer counts", () => {
    const viaOpenssh = (view: NodeSnapshot): NodeSnapshot => ({
      ...view,
      transport: { transport: "openssh", reason: "ssh -G says proxyjump" },
    });
    const [big, small] = nodes(box("big", "none", { cores: 32 }), box("small", "bwrap"));
    const d = route(
      "make",
      [big, small].map((v) => viaOpenssh(v as NodeSnapshot)),
      {
        sandbox: "workspace",
      },
    );
    expect(d).toMatchObject({ decision: "remote", node: "small", sandbox: "workspace" });
    expect(d.candidates.find((c) => c.node === "big")?.note).toBe(
      "has no sandbox (bwrap or sandbox-exec), needs sandbox=workspace",
    );
  });

  test("a node not probed yet is not excluded: the run is checked where it starts", () => {
    const d = route("make", nodes(box("fresh", undefined, { sampled: false })), {
      sandbox: "workspace",
    });
    expect(d).toMatchObject({ decision: "remote", node: "fresh", sandbox: "workspace" });
  });
});
