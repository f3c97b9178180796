// Capabilities found on the PATH, through the real CLI on the embedded one-node default: a
// stand-in `docker` makes `docker ps` run here; without one, NO_NODE says where it looked.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RouteDecision } from "../../src/routing/types.ts";
import { cli, isolatedEnv } from "../helpers/cli.ts";

function binWith(...tools: string[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), "ce-path-")), "bin");
  mkdirSync(dir);
  for (const t of tools) {
    writeFileSync(join(dir, t), "#!/bin/sh\necho stand-in\n");
    chmodSync(join(dir, t), 0o755);
  }
  return dir;
}

async function route(path: string, command: string) {
  const r = await cli(["route", "--json", command], { env: isolatedEnv({ PATH: path }) });
  try {
    return { code: r.code, d: JSON.parse(r.stdout) as RouteDecision };
  } catch {
    throw new Error(`route printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

describe("detected capabilities on the embedded default", () => {
  test("a stand-in docker on the PATH: `docker ps` is decided local", async () => {
    const { code, d } = await route(binWith("docker"), "docker ps");
    expect(code).toBe(0);
    expect(d.decision).toBe("local");
    expect(d.requirements).toMatchObject([{ kind: "capability", value: "docker" }]);
  });

  test("no docker anywhere: no_node naming this machine and that docker was not found", async () => {
    const { code, d } = await route(binWith("podman"), "docker ps");
    expect(code).toBe(69);
    expect(d.decision).toBe("no_node");
    expect(d.reason).toContain("none lists docker in its capabilities");
    expect(d.reason).toContain("docker was not found on its PATH");
    // The one it has is found too.
    expect((await route(binWith("podman"), "podman ps")).d.decision).toBe("local");
  });

  test("cluster-status shows what was detected and what was configured", async () => {
    const r = await cli(["cluster-status", "--json"], {
      env: isolatedEnv({ PATH: binWith("ollama") }),
    });
    expect(r.code).toBe(0);
    const node = Object.values(
      (JSON.parse(r.stdout) as { nodes: Record<string, Record<string, unknown>> }).nodes,
    )[0];
    expect(node).toMatchObject({
      capabilities: ["ollama"],
      capabilities_configured: [],
      capabilities_detected: ["ollama"],
    });
    const table = await cli(["cluster-status"], { env: isolatedEnv({ PATH: binWith("ollama") }) });
    expect(table.stdout).toContain("+ollama");
    expect(table.stdout).toContain("detected on the node");
  });
});
