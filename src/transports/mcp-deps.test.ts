import { describe, expect, test } from "bun:test";
import { fakeNode } from "../../test/fixtures/routing.ts";
import type { Sampler } from "../cluster/sampler.ts";
import { loadConfig } from "../config/load.ts";
import type { Runtime } from "../run/runtime.ts";
import { mcpDepsFrom } from "./mcp-deps.ts";

const config = loadConfig({ env: { HOME: "/nonexistent-home-for-tests" } });

function runtimeWith(views: ReturnType<Sampler["views"]>) {
  let sampled = 0;
  const sampler = {
    views: () => views,
    sampleNow: async () => {
      sampled++;
      return views;
    },
  } as unknown as Sampler;
  const rt = { config, sampler } as unknown as Runtime;
  return { rt, sampledTimes: () => sampled };
}

describe("cluster_status from a server's runtime", () => {
  test("a node known to be down does not make every call wait for a new sample", async () => {
    const { rt, sampledTimes } = runtimeWith([
      { ...fakeNode({ name: "up" }), stale: false },
      { ...fakeNode({ name: "down", sampled: false, health: "unreachable" }), stale: true },
    ] as ReturnType<Sampler["views"]>);
    const report = await mcpDepsFrom(rt, "mcp-stdio").clusterStatus();
    expect(Object.keys(report.nodes)).toEqual(["up", "down"]);
    expect(sampledTimes()).toBe(0);
  });

  test("a stale sample of a node not known to be down is refreshed first", async () => {
    const { rt, sampledTimes } = runtimeWith([
      { ...fakeNode({ name: "never", sampled: false, health: "unknown" }), stale: true },
    ] as ReturnType<Sampler["views"]>);
    await mcpDepsFrom(rt, "mcp-stdio").clusterStatus();
    expect(sampledTimes()).toBe(1);
  });
});
