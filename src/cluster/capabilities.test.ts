import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  capabilitiesFrom,
  mergeCapabilities,
  PROBED_TOOLS,
  parseToolsSection,
  toolsProbeScript,
} from "./capabilities.ts";
import { parseRemoteProbe, remoteProbeScript } from "./remote-probe.ts";

/** A directory with stand-in executables of these names, as a node's PATH would hold them. */
function standIns(...names: string[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), "ce-caps-")), "bin");
  mkdirSync(dir);
  for (const n of names) {
    writeFileSync(join(dir, n), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

describe("capabilities from what a node has", () => {
  test("tools map to capability words; nvidia-smi or the device gives gpu; srun gives slurm", () => {
    expect(capabilitiesFrom({ present: ["docker", "nvidia-smi", "srun"], os: "linux" })).toEqual([
      "docker",
      "gpu",
      "slurm",
    ]);
    expect(capabilitiesFrom({ present: ["/dev/nvidia0"], os: "linux" })).toEqual(["gpu"]);
    expect(capabilitiesFrom({ present: ["sed", "awk"], os: "linux" })).toEqual([]);
  });

  test("macOS: swift and xcodebuild count only with Xcode installed (the /usr/bin ones are stubs)", () => {
    const found = { present: ["swift", "xcodebuild", "ollama"], os: "macos" as const };
    expect(capabilitiesFrom(found)).toEqual(["ollama"]);
    expect(capabilitiesFrom({ ...found, xcode: true })).toEqual(["ollama", "swift", "xcode"]);
    expect(capabilitiesFrom({ present: ["swift"], os: "linux" })).toEqual(["swift"]);
  });

  test("merged: configured as written first, then detected ones not configured", () => {
    expect(mergeCapabilities(["Docker", "compilation"], ["docker", "kubectl"])).toEqual([
      "docker",
      "compilation",
      "kubectl",
    ]);
    expect(mergeCapabilities(["x"], undefined)).toEqual(["x"]);
  });

  test("the script part, run by a real sh with stand-ins on PATH, finds exactly those", () => {
    const bin = standIns("docker", "podman");
    const r = Bun.spawnSync(["/bin/sh", "-c", toolsProbeScript()], {
      env: { PATH: `${bin}:/nonexistent` },
    });
    expect(r.exitCode).toBe(0);
    const text = r.stdout.toString().replace(/^@@tools\n/, "");
    expect(parseToolsSection(text, "linux")).toEqual(["docker", "podman"]);
  });

  test("the whole remote probe reports them, by the script and beside a node's cluster-exec", () => {
    const bin = standIns("ollama", "kubectl");
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const viaScript = Bun.spawnSync(["sh", "-c", remoteProbeScript()], { env });
    const script = parseRemoteProbe(viaScript.stdout.toString());
    expect(script.method).toBe("script");
    expect(script.sample.capabilities).toEqual(expect.arrayContaining(["kubectl", "ollama"]));

    // A node's own (older) cluster-exec that reports no capabilities: the script's are kept.
    writeFileSync(
      join(bin, "cluster-exec"),
      `#!/bin/sh\necho '{"hostname":"b","os":"linux","arch":"x86_64","cores":1,"load_1m":0,"load_5m":0,"load_15m":0,"cpu_percent":0,"memory_percent":1,"mem_total":1}'\n`,
    );
    chmodSync(join(bin, "cluster-exec"), 0o755);
    const viaBinary = parseRemoteProbe(
      Bun.spawnSync(["sh", "-c", remoteProbeScript()], { env }).stdout.toString(),
    );
    expect(viaBinary.method).toBe("probe");
    expect(viaBinary.sample.capabilities).toEqual(expect.arrayContaining(["kubectl", "ollama"]));
  });

  test("probe --json's own capabilities must be a list of words", () => {
    const base = {
      hostname: "x",
      os: "linux",
      arch: "x86_64",
      cores: 1,
      load_1m: 0,
      load_5m: 0,
      load_15m: 0,
      cpu_percent: 0,
      memory_percent: 1,
      mem_total: 1,
    };
    const good = parseRemoteProbe(
      `@@probe\n${JSON.stringify({ ...base, capabilities: ["gpu"] })}\n`,
    );
    expect(good.sample.capabilities).toEqual(["gpu"]);
    expect(() =>
      parseRemoteProbe(`@@probe\n${JSON.stringify({ ...base, capabilities: "gpu" })}\n`),
    ).toThrow("capabilities is not a list of words");
  });
});

test("the test cluster keeps every probed tool out of its nodes' PATH (scripts/test-cluster.sh)", () => {
  const script = readFileSync(
    join(import.meta.dir, "..", "..", "scripts", "test-cluster.sh"),
    "utf8",
  );
  const hidden = /^HIDDEN_TOOLS=\(([^)]*)\)/m.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
  expect([...hidden].sort()).toEqual([...PROBED_TOOLS].sort());
});
