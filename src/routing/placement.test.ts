// Placement: runs in flight take slots of their node's cores; detected capabilities count like
// configured ones.
import { describe, expect, test } from "bun:test";
import { DEFAULT_THRESHOLDS, type FakeNode, fakeNode } from "../../test/fixtures/routing.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import { chooseNode } from "./choose.ts";
import type { ChooseInput } from "./types.ts";

function route(command: string, nodes: NodeSnapshot[], extra: Partial<ChooseInput> = {}) {
  return chooseNode({ command, nodes, thresholds: DEFAULT_THRESHOLDS, ...extra });
}

const nodes = (...list: FakeNode[]) => list.map(fakeNode);

describe("runs in flight take slots", () => {
  /** Places `count` commands one after another, as a batch does, each run counted where it went. */
  function placeBatch(command: string, list: FakeNode[], count: number) {
    const running = new Map<string, number>();
    const placed: { node: string | null; reason: string }[] = [];
    for (let i = 0; i < count; i++) {
      const views = list.map((n) => fakeNode({ ...n, running: running.get(n.name) ?? 0 }));
      const d = route(command, views);
      placed.push({ node: d.node, reason: d.reason });
      if (d.node) running.set(d.node, (running.get(d.node) ?? 0) + 1);
    }
    return placed;
  }
  const idle = { cores: 2, load: 0, cpu: 1, memory: 10 };

  test("a light command stays local while this machine has a free slot, then spreads", () => {
    const placed = placeBatch(
      "sleep 1; hostname; echo K",
      [
        { name: "here", local: true, ...idle },
        { name: "n1", ...idle },
        { name: "n2", ...idle },
        { name: "n3", ...idle },
      ],
      6,
    );
    expect(placed.map((p) => p.node)).toEqual(["here", "here", "n1", "n2", "n3", "n1"]);
    expect(placed[1]?.reason).toContain("with a free slot");
    expect(placed[1]?.reason).toContain("1 of 2 slots in use");
    expect(placed[2]?.reason).toContain("here has no free slot (2 of 2 slots in use");
    expect(placed[2]?.reason).toContain("n1 is the healthy node with the most free capacity");
    expect(placed[5]?.reason).toContain("tied with");
  });

  test("heavy work fills the nodes by free capacity, one slot per run", () => {
    const placed = placeBatch(
      "make -j2",
      [
        { name: "n1", ...idle },
        { name: "n2", ...idle, cores: 4 },
        { name: "n3", ...idle },
      ],
      8,
    );
    const count = (n: string) => placed.filter((p) => p.node === n).length;
    expect([count("n1"), count("n2"), count("n3")]).toEqual([2, 4, 2]);
  });

  test("a full node counts as busy: a node merely over a threshold is preferred to it", () => {
    const d = route(
      "make",
      nodes({ name: "full", ...idle, running: 2 }, { name: "warm", ...idle, cpu: 45 }),
    );
    expect(d.node).toBe("warm");
    const full = d.candidates.find((c) => c.node === "full");
    expect(full?.note).toBe("busy: full, 2 of 2 slots in use");
    expect(full?.score).toBe(-0.02);
  });

  test("a local node with no sample yet keeps light commands only while it has a free slot", () => {
    const here = {
      name: "here",
      local: true,
      sampled: false,
      health: "unknown" as const,
      cores: 2,
    };
    expect(route("python3 x.py", nodes({ ...here, running: 1 }, { name: "b" })).node).toBe("here");
    expect(route("python3 x.py", nodes({ ...here, running: 2 }, { name: "b" })).node).toBe("b");
  });

  test("local words stay local however full this machine is; pinned runs go where asked", () => {
    const list = nodes({ name: "here", local: true, ...idle, running: 5 }, { name: "b", ...idle });
    expect(route("cat /etc/hostname", list).node).toBe("here");
    expect(route("python3 x.py", list, { explicitNode: "here" }).node).toBe("here");
  });
});

describe("detected capabilities", () => {
  test("a detected capability counts like a configured one, for inferred and explicit requirements", () => {
    const one = nodes({ name: "here", local: true, detected: ["docker"] });
    expect(route("docker ps", one)).toMatchObject({ decision: "local", node: "here" });
    const two = nodes({ name: "a", detected: [] }, { name: "b", detected: ["podman", "gpu"] });
    expect(route("podman ps", two).node).toBe("b");
    expect(
      route("python3 t.py", two, { requirements: { requires_capabilities: ["gpu"] } }).node,
    ).toBe("b");
  });

  test("no node has the tool: the reason names the nodes checked and that it was not found", () => {
    const d = route(
      "docker ps",
      nodes({ name: "a", detected: ["kubectl"] }, { name: "b", detected: [] }, { name: "c" }),
    );
    expect(d.decision).toBe("no_node");
    expect(d.reason).toBe(
      "No node satisfies capability docker (inferred from docker): checked a, b, c; none lists docker in its capabilities and docker was not found on the PATH of a, b; c was not probed yet.",
    );
    const alone = route("docker ps", nodes({ name: "here", local: true, detected: [] }));
    expect(alone.reason).toContain(
      "checked here; none lists docker in its capabilities and docker was not found on its PATH",
    );
  });
});
