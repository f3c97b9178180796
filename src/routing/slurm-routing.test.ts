import { describe, expect, test } from "bun:test";
import {
  DEFAULT_THRESHOLDS,
  fakeNode,
  fakePartition,
  originCluster,
} from "../../test/fixtures/routing.ts";
import type { NodeSnapshot } from "../cluster/view.ts";
import { freeCapacity } from "./capacity.ts";
import { chooseNode } from "./choose.ts";

function route(command: string, nodes: NodeSnapshot[], explicitNode?: string) {
  return chooseNode({ command, nodes, thresholds: DEFAULT_THRESHOLDS, explicitNode });
}

const busy = { load: 30, cpu: 95 };

describe("a Slurm partition as a node", () => {
  test("its free capacity is its idle CPUs, whatever its nodes' load", () => {
    expect(freeCapacity(fakePartition({ name: "hpc", cpusIdle: 37, cpusTotal: 64 }))).toBe(37);
    expect(freeCapacity(fakePartition({ name: "hpc", cpusIdle: 0 }))).toBe(0);
  });

  test("runs in flight there take cpus_per_task each; a partition they fill ranks as busy", () => {
    const p = fakePartition({
      name: "hpc",
      cpusIdle: 16,
      cpusTotal: 16,
      cpusPerTask: 4,
      running: 2,
    });
    expect(freeCapacity(p)).toBe(8);
    const full = fakePartition({
      name: "hpc",
      cpusIdle: 16,
      cpusTotal: 16,
      cpusPerTask: 4,
      running: 4,
    });
    const d = route("make", [fakeNode({ name: "a", load: 5, cores: 8 }), full]);
    expect(d.candidates.find((c) => c.node === "hpc")?.note).toContain("full, 4 of 4 slots in use");
  });

  test("heavy work stays on a free SSH node even when the partition has more idle CPUs", () => {
    const d = route("make -j8", [
      ...originCluster(),
      fakePartition({ name: "hpc", cpusIdle: 500 }),
    ]);
    expect(d.node).toBe("macpro51");
    expect(d.candidates.find((c) => c.node === "hpc")?.note).toContain("Slurm partition");
  });

  test("heavy work goes to the partition when every SSH node is busy, and the reason says why", () => {
    const ssh = originCluster({
      macpro51: busy,
      "mac-studio": busy,
      "macbook-air": busy,
      inference: busy,
    });
    const d = route("make -j8", [
      ...ssh,
      fakePartition({ name: "hpc", cpusIdle: 12, cpusTotal: 16 }),
    ]);
    expect(d).toMatchObject({ decision: "remote", node: "hpc" });
    expect(d.reason).toContain("no SSH node is free");
    expect(d.reason).toContain("macpro51: ");
    expect(d.reason).toContain("load 30 > 4");
    expect(d.reason).toContain("Slurm partition batch of hpc");
    expect(d.reason).toContain("12 of 16 CPUs idle");
  });

  test("a partition without idle CPUs is busy: a busy SSH node with room wins, the queue is last", () => {
    const ssh = [fakeNode({ name: "a", cores: 8, load: 5 })];
    const full = fakePartition({ name: "hpc", cpusIdle: 0, pending: 40 });
    const d = route("make -j8", [...ssh, full]);
    expect(d.node).toBe("a");
    expect(d.candidates.find((c) => c.node === "hpc")?.note).toContain(
      "no idle CPUs (4/4 allocated, 40 pending)",
    );
  });

  test("a light command on an idle local node stays local, never to the queue", () => {
    const d = route("python3 x.py", [
      ...originCluster(),
      fakePartition({ name: "hpc", cpusIdle: 99 }),
    ]);
    expect(d.decision).toBe("local");
  });

  test("--node / offload_to pin the partition whatever the load", () => {
    const d = route(
      "echo hi",
      [...originCluster(), fakePartition({ name: "hpc", cpusIdle: 0 })],
      "hpc",
    );
    expect(d).toMatchObject({ decision: "remote", node: "hpc" });
    expect(d.reason).toContain("as asked");
  });

  test("node features count as capabilities", () => {
    const gpu = fakePartition({ name: "hpc", cpusIdle: 4, features: ["gpu", "a100"] });
    const d = chooseNode({
      command: "python3 train.py",
      nodes: [...originCluster(), gpu],
      thresholds: DEFAULT_THRESHOLDS,
      requirements: { requires_capabilities: ["a100"] },
    });
    expect(d.node).toBe("hpc");
  });

  test("a down partition is not a candidate", () => {
    const down = fakePartition({ name: "hpc", cpusIdle: 4, health: "unreachable" });
    const d = route("make", [fakeNode({ name: "a", load: 30, cpu: 95 }), down]);
    expect(d.node).toBe("a");
    expect(d.candidates.find((c) => c.node === "hpc")).toMatchObject({ eligible: false });
  });
});
