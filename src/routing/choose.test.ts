import { describe, expect, test } from "bun:test";
import {
  DEFAULT_THRESHOLDS,
  type FakeNode,
  fakeNode,
  originCluster,
} from "../../test/fixtures/routing.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import { chooseNode, decisionError } from "./choose.ts";
import type { ChooseInput } from "./types.ts";

function route(command: string, nodes: NodeSnapshot[], extra: Partial<ChooseInput> = {}) {
  return chooseNode({ command, nodes, thresholds: DEFAULT_THRESHOLDS, ...extra });
}

const nodes = (...list: FakeNode[]) => list.map(fakeNode);

describe("local or not", () => {
  test("a light command stays on an idle local node", () => {
    const d = route("python3 script.py", originCluster());
    expect(d).toMatchObject({ decision: "local", node: "mac-studio" });
    expect(d.reason).toContain("under every threshold");
  });

  test("local words stay local even when this machine is busy", () => {
    const d = route("ls -la | head -5", originCluster({ "mac-studio": { load: 30, cpu: 95 } }));
    expect(d).toMatchObject({ decision: "local", node: "mac-studio" });
  });

  test("a light command leaves a local node over any threshold", () => {
    for (const busy of [{ load: 5 }, { cpu: 41 }, { memory: 85 }]) {
      const d = route("python3 script.py", originCluster({ "mac-studio": busy }));
      expect(d.decision).toBe("remote");
      expect(d.reason).toContain("mac-studio is busy");
    }
  });

  test("a heavy command goes to the node with most free capacity", () => {
    const d = route("make -j8", originCluster());
    expect(d).toMatchObject({ decision: "remote", node: "macpro51" });
    expect(d.reason).toContain("make is heavy work");
  });

  test("a heavy command runs locally when the local node has the most capacity", () => {
    const d = route(
      "make",
      nodes({ name: "here", cores: 32, local: true }, { name: "there", cores: 4 }),
    );
    expect(d).toMatchObject({ decision: "local", node: "here" });
  });

  test("a local node without a sample still takes light commands", () => {
    const d = route(
      "python3 x.py",
      nodes({ name: "here", local: true, sampled: false, health: "unknown" }, { name: "b" }),
    );
    expect(d).toMatchObject({ decision: "local", node: "here" });
  });

  test("a local node exactly at a threshold is not over it, as in its health", () => {
    const d = route(
      "git status",
      nodes({ name: "here", local: true, cpu: 40, load: 4, memory: 80 }, { name: "b" }),
    );
    expect(d).toMatchObject({ decision: "local", node: "here" });
  });

  test("no local node in the inventory: everything is ranked", () => {
    const d = route("ls", nodes({ name: "a", cores: 4 }, { name: "b", cores: 16 }));
    expect(d).toMatchObject({ decision: "remote", node: "b" });
  });
});

describe("ranking", () => {
  test("busy nodes are skipped for an idle one, even with fewer cores", () => {
    const d = route(
      "make",
      nodes({ name: "big", cores: 32, load: 40 }, { name: "small", cores: 4, load: 0.1 }),
    );
    expect(d.node).toBe("small");
    const big = d.candidates.find((c) => c.node === "big");
    expect(big?.note).toContain("busy: cpu 100% > 40%, load 40 > 4");
  });

  test("free capacity is cores × (1 − load share), discounted by memory pressure", () => {
    const d = route(
      "make",
      nodes(
        { name: "a", cores: 8, load: 2, memory: 0 },
        { name: "b", cores: 8, load: 2, memory: 50 },
      ),
    );
    expect(d.candidates.find((c) => c.node === "a")?.score).toBe(6);
    expect(d.candidates.find((c) => c.node === "b")?.score).toBe(4.5);
    expect(d.node).toBe("a");
  });

  test("degraded nodes are used only when no healthy node is eligible", () => {
    const d = route(
      "make",
      nodes({ name: "deg", cores: 64, health: "degraded" }, { name: "ok", cores: 2, load: 0.2 }),
    );
    expect(d.node).toBe("ok");
    const only = route(
      "make",
      nodes(
        { name: "deg", cores: 64, health: "degraded" },
        { name: "down", health: "unreachable" },
      ),
    );
    expect(only.node).toBe("deg");
  });

  test("unknown-health nodes are usable but never preferred", () => {
    const d = route(
      "make",
      nodes(
        { name: "unk", cores: 64, health: "unknown", sampled: false },
        { name: "busy", cores: 2, load: 9 },
      ),
    );
    expect(d.node).toBe("busy");
    const unknown = { health: "unknown", sampled: false } as const;
    const only = route(
      "make",
      nodes({ name: "u1", ...unknown, cores: 4 }, { name: "u2", ...unknown, cores: 8 }),
    );
    expect(only.node).toBe("u2");
    expect(only.reason).toContain("no eligible node has a known load");
  });

  test("unreachable nodes are excluded and say so", () => {
    const d = route(
      "make",
      nodes({ name: "gone", cores: 64, health: "unreachable" }, { name: "ok" }),
    );
    expect(d.node).toBe("ok");
    expect(d.candidates.find((c) => c.node === "gone")).toEqual({
      node: "gone",
      eligible: false,
      note: "unreachable",
    });
  });

  test("ties: specialty match, then fewer running tasks, then name", () => {
    const same = { cores: 8, load: 1, memory: 30 };
    const bySpecialty = route(
      "make",
      nodes({ name: "a", ...same }, { name: "b", ...same, specialties: ["compilation"] }),
    );
    expect(bySpecialty.node).toBe("b");
    expect(bySpecialty.reason).toContain("specialty compilation");
    // Runs in flight take free capacity: equal scores remain only when the load makes up for them.
    const byRunning = route(
      "make",
      nodes(
        { name: "a", cores: 8, load: 1, memory: 0, running: 1 },
        { name: "b", cores: 8, load: 2, memory: 0 },
      ),
    );
    expect(byRunning.node).toBe("b");
    expect(byRunning.reason).toContain("fewer running tasks");
    const byName = route("make", nodes({ name: "b", ...same }, { name: "a", ...same }));
    expect(byName.node).toBe("a");
  });

  test("every node is listed as a candidate with a score or the reason it was excluded", () => {
    const d = route("docker build .", originCluster());
    expect(d.candidates.map((c) => c.node).sort()).toEqual([
      "inference",
      "mac-studio",
      "macbook-air",
      "macpro51",
    ]);
    for (const c of d.candidates) expect(c.eligible ? typeof c.score : c.note).toBeTruthy();
  });
});

describe("requirements", () => {
  test("a capability routes to the only node that has it", () => {
    const d = route("python3 train.py", originCluster(), {
      requirements: { requires_capabilities: ["tpu"] },
    });
    expect(d).toMatchObject({ decision: "remote", node: "macpro51" });
    expect(d.candidates.find((c) => c.node === "inference")?.note).toBe("lacks capability tpu");
  });

  test("inferred: docker needs capability docker, ollama capability ollama, swift build macOS", () => {
    expect(route("docker ps", originCluster()).node).toBe("macpro51");
    expect(route("ollama run llama3", originCluster()).node).toBe("inference");
    const swift = route("swift build", originCluster({ "mac-studio": { load: 50 } }));
    expect(swift.requirements).toEqual([
      { kind: "os", value: "macos", source: "inferred", hard: true, because: "swift build" },
    ]);
    expect(["macbook-air", "inference"]).toContain(swift.node as string);
  });

  test("inferred requirements are soft when explicit ones are given", () => {
    const d = route("docker ps", originCluster(), { requirements: { requires_os: "macos" } });
    expect(d.requirements.find((r) => r.value === "docker")?.hard).toBe(false);
    expect(d.decision).not.toBe("no_node");
  });

  test("aliases: darwin → macos, amd64 → x86_64, aarch64 → arm64", () => {
    expect(
      route("make", originCluster(), {
        requirements: { requires_os: "darwin", requires_arch: "aarch64" },
      }).requirements.map((r) => r.value),
    ).toEqual(["macos", "arm64"]);
    expect(route("make", originCluster(), { requirements: { requires_arch: "amd64" } }).node).toBe(
      "macpro51",
    );
  });

  test("a bad alias is a usage error naming the key and the value", () => {
    expect(() =>
      route("ls", originCluster(), { requirements: { requires_os: "windows" } }),
    ).toThrow(/requires_os: got "windows"/);
  });

  test("no node: the reason names the unmet requirement", () => {
    const d = route("make", originCluster(), { requirements: { requires_capabilities: ["cuda"] } });
    expect(d).toMatchObject({
      decision: "no_node",
      node: null,
      reason:
        "No node satisfies capability cuda: checked macpro51, mac-studio, macbook-air, inference; none lists cuda in its capabilities.",
    });
    const both = route("make", originCluster(), {
      requirements: { requires_os: "macos", requires_capabilities: ["tpu"] },
    });
    expect(both.reason).toBe("No single node satisfies os=macos together with capability tpu.");
    const down = route("docker ps", originCluster({ macpro51: { health: "unreachable" } }));
    expect(down.reason).toContain("macpro51 unreachable");
    expect(decisionError(down)?.code).toBe("NO_NODE");
  });
});

describe("explicit node", () => {
  test("runs there whatever the load, and says so", () => {
    const d = route("make", originCluster({ "macbook-air": { load: 40 } }), {
      explicitNode: "macbook-air",
    });
    expect(d).toMatchObject({ decision: "remote", node: "macbook-air" });
  });

  test("an explicit node missing from the views runs nothing (the caller refuses unknown names)", () => {
    expect(route("ls", originCluster(), { explicitNode: "nope" })).toMatchObject({
      decision: "no_node",
      node: null,
      reason: "Node nope is not in the inventory.",
    });
  });

  test("explicit requirements still apply; inferred ones do not", () => {
    expect(route("docker ps", originCluster(), { explicitNode: "macbook-air" }).node).toBe(
      "macbook-air",
    );
    const d = route("make", originCluster(), {
      explicitNode: "macbook-air",
      requirements: { requires_os: "linux" },
    });
    expect(d).toMatchObject({
      decision: "no_node",
      reason: "Node macbook-air was asked for but os is macos, needs linux.",
    });
  });
});

describe("policy in routing", () => {
  test("dangerous commands are refused with the rule, whatever the node", () => {
    const d = route("a=rm; $a -rf /", originCluster());
    expect(d).toMatchObject({ decision: "refused", node: null, rule: "recursive-delete" });
    expect(decisionError(d)?.code).toBe("POLICY_DENIED");
  });

  test("unparseable commands are refused", () => {
    expect(route("echo 'oops", originCluster())).toMatchObject({
      decision: "refused",
      rule: "unparseable",
    });
  });

  test("node deny rules exclude that node; if every node denies, the command is refused", () => {
    const list = nodes({ name: "a", cores: 64, deny: ["make"] }, { name: "b", cores: 2 });
    const d = route("make", list);
    expect(d.node).toBe("b");
    expect(d.candidates.find((c) => c.node === "a")?.note).toContain('deny rule "make"');
    const all = route("make", nodes({ name: "a", deny: ["ma*"] }));
    expect(all).toMatchObject({ decision: "refused", rule: "nodes.a.deny:ma*" });
  });

  test("a container refusal a node waives goes to that node; if none waives, it is refused", () => {
    const cmd = "docker run --privileged alpine true";
    const caps = ["docker"];
    const list = nodes(
      { name: "a", cores: 64, capabilities: caps },
      { name: "b", cores: 2, capabilities: caps, allow: ["rule:container-privileged"] },
    );
    const d = route(cmd, list);
    expect(d.node).toBe("b");
    expect(d.candidates.find((c) => c.node === "a")?.note).toContain("--privileged");
    expect(route(cmd, nodes({ name: "a", capabilities: caps }))).toMatchObject({
      decision: "refused",
      rule: "container-privileged",
    });
  });

  test("the policy judges where the command starts: the cwd given, else each node's default", () => {
    const list = nodes({ name: "far", cores: 8 });
    expect(route("rm -rf ./*", list)).toMatchObject({
      decision: "refused",
      rule: "recursive-delete",
    });
    expect(route("rm -rf ./*", list, { cwd: "/srv/build/out" }).decision).not.toBe("refused");
    expect(route("rm -rf ../*", list, { cwd: "/srv" })).toMatchObject({ decision: "refused" });
  });

  test("an explicit node whose allow list misses the command refuses it", () => {
    const d = route("cargo build", nodes({ name: "a", allow: ["make"] }), { explicitNode: "a" });
    expect(d).toMatchObject({ decision: "refused", rule: "nodes.a.allow" });
  });
});
