import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InitFile, offeredSpecialties, renderInitToml } from "./init-toml.ts";
import { loadConfig } from "./load.ts";

const file: InitFile = {
  user: "dev",
  identityFile: "~/.ssh/id_ed25519",
  writtenAt: "2026-11-30T00:00:00.000Z",
  writtenOn: "laptop",
  knownHosts: "/home/dev/.local/state/cluster-exec/known_hosts",
  nodes: [
    {
      name: "laptop",
      host: "laptop",
      os: "macos",
      arch: "arm64",
      cores: 10,
      detected: [],
      specialties: ["compilation"],
      local: true,
    },
    {
      name: "gpu-box",
      host: "gpu-box.lan",
      ip: "10.0.0.7",
      port: 2222,
      os: "linux",
      arch: "x86_64",
      cores: 32,
      memBytes: 128 * 2 ** 30,
      detected: ["docker", "gpu", "ollama"],
      specialties: offeredSpecialties(["docker", "gpu", "ollama"], 32),
      reachedVia: "via ssh2",
      hostKey: "ssh-ed25519 SHA256:abc",
    },
  ],
};

describe("the file init writes", () => {
  test("loads, and says what was found", () => {
    const text = renderInitToml(file);
    const path = join(mkdtempSync(join(tmpdir(), "ce-init-")), "cluster.toml");
    writeFileSync(path, text);
    const c = loadConfig({ configPath: path, env: { HOME: "/home/dev" } });
    expect(Object.keys(c.nodes)).toEqual(["laptop", "gpu-box"]);
    expect(c.nodes["gpu-box"]).toMatchObject({
      host: "gpu-box.lan",
      ip: "10.0.0.7",
      port: 2222,
      os: "linux",
      cores: 32,
      capabilities: [],
    });
    expect(c.settings).toMatchObject({ user: "dev", identity_file: "/home/dev/.ssh/id_ed25519" });
    expect(text).toContain("# gpu-box: reached via ssh2; host key ssh-ed25519 SHA256:abc");
    expect(text).toContain("found there now: docker, gpu, ollama");
    expect(text).toContain("probed, 128.0 GiB memory");
    expect(text).toContain("(CLUSTER_GPUBOX_HOST)");
  });

  test("specialties are offered from capabilities and cores", () => {
    expect(offeredSpecialties(["docker", "gpu", "ollama"], 32)).toEqual([
      "compilation",
      "containerization",
      "gpu-compute",
      "inference",
      "llm-api",
    ]);
    expect(offeredSpecialties([], 2)).toEqual([]);
  });
});
