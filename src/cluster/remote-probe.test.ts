import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectSandboxTool } from "../sandbox/detect.ts";
import { parseRemoteProbe, remoteProbeScript } from "./remote-probe.ts";

const LINUX = `@@os
Linux
@@arch
aarch64
@@hostname
n1
@@cores
4
@@stat1
cpu  1000 0 0 3000 0 0 0 0 0 0
@@stat2
cpu  1100 0 0 3300 0 0 0 0 0 0
@@loadavg
2.50 1.25 0.75 1/100 4242
@@meminfo
MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    2000000 kB
`;

const MAC = `@@os
Darwin
@@arch
arm64
@@hostname
Marcs-Mac-Studio.local
@@cores
10
@@loadavg
{ 3.10 2.00 1.50 }
@@memsize
68719476736
@@vmstat
Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                               1048576.
Pages active:                             1000000.
Pages inactive:                            524288.
Pages speculative:                         524288.
@@pscpu
 50.0
 30.0
  0.5
`;

describe("parseRemoteProbe", () => {
  test("Linux: /proc/loadavg, two /proc/stat reads, /proc/meminfo", () => {
    const { sample, method } = parseRemoteProbe(LINUX);
    expect(method).toBe("script");
    expect(sample).toEqual({
      hostname: "n1",
      os: "linux",
      arch: "arm64",
      cores: 4,
      load_1m: 2.5,
      load_5m: 1.25,
      load_15m: 0.75,
      cpu_percent: 25,
      memory_percent: 75,
      mem_total: 8_000_000 * 1024,
    });
  });

  test("macOS: sysctl vm.loadavg, hw.memsize, vm_stat, ps", () => {
    const { sample } = parseRemoteProbe(MAC);
    expect(sample.os).toBe("macos");
    expect(sample.load_1m).toBe(3.1);
    expect(sample.cores).toBe(10);
    expect(sample.mem_total).toBe(68_719_476_736);
    // free + inactive + speculative = 2,097,152 pages × 16 KiB = 32 GiB of 64 GiB
    expect(sample.memory_percent).toBe(50);
    expect(sample.cpu_percent).toBe(8.1);
  });

  test("cluster-exec probe --json output is taken as it is", () => {
    const json = JSON.stringify({
      hostname: "x",
      os: "linux",
      arch: "x86_64",
      cores: 2,
      load_1m: 1,
      load_5m: 1,
      load_15m: 1,
      cpu_percent: 3,
      memory_percent: 4,
      mem_total: 5,
      cpu_model: "Test CPU",
    });
    const r = parseRemoteProbe(`@@probe\n${json}\n`);
    expect(r.method).toBe("probe");
    expect(r.sample.cpu_model).toBe("Test CPU");
  });

  test("sandbox: a known tool name is taken, anything else is left out", () => {
    const withBox = (v: string) => LINUX.replace("@@stat1", `@@sandbox\n${v}\n@@stat1`);
    expect(parseRemoteProbe(withBox("bwrap")).sample.sandbox).toBe("bwrap");
    expect(parseRemoteProbe(withBox("none")).sample.sandbox).toBe("none");
    expect(parseRemoteProbe(withBox("bwrap: oops")).sample.sandbox).toBeUndefined();
    expect(parseRemoteProbe(LINUX).sample.sandbox).toBeUndefined();
    const json = (sandbox: unknown) =>
      `@@probe\n${JSON.stringify({ hostname: "x", os: "linux", arch: "x86_64", cores: 2, load_1m: 1, load_5m: 1, load_15m: 1, cpu_percent: 3, memory_percent: 4, mem_total: 5, sandbox })}\n`;
    expect(parseRemoteProbe(json("sandbox-exec")).sample.sandbox).toBe("sandbox-exec");
    expect(parseRemoteProbe(json(42)).sample.sandbox).toBeUndefined();
  });

  test("errors say what is missing", () => {
    expect(() => parseRemoteProbe("")).toThrow("probe script printed no os");
    expect(() => parseRemoteProbe(LINUX.replace("Linux", "FreeBSD"))).toThrow(
      'unsupported OS "FreeBSD"',
    );
    expect(() => parseRemoteProbe(LINUX.replace(/@@meminfo[\s\S]*/, ""))).toThrow(
      "printed no meminfo",
    );
    expect(() => parseRemoteProbe("@@probe\n{}")).toThrow("cores missing");
    expect(() => parseRemoteProbe("@@probe\nSegmentation fault")).toThrow("printed no JSON");
  });
});

describe("remoteProbeScript, run by a real sh on this machine", () => {
  const run = (script: string, env: Record<string, string> = {}) => {
    const r = Bun.spawnSync(["sh", "-c", script], { env: { PATH: "/usr/bin:/bin", ...env } });
    expect(r.exitCode).toBe(0);
    return r.stdout.toString();
  };

  test("without cluster-exec on PATH: the POSIX fallback, parsed", () => {
    const { sample, method } = parseRemoteProbe(run(remoteProbeScript()));
    expect(method).toBe("script");
    expect(sample.os).toBe(process.platform === "darwin" ? "macos" : "linux");
    expect(sample.cores).toBeGreaterThan(0);
    expect(sample.memory_percent).toBeGreaterThan(0);
    expect(sample.memory_percent).toBeLessThanOrEqual(100);
    // The same answer as the in-process detection (bwrap is installed by the test set-up).
    expect(sample.sandbox).toBe(detectSandboxTool());
    // Without the sandbox check (the sampler asks for it only now and then): no bwrap started.
    const lean = remoteProbeScript(undefined, { sandbox: false });
    expect(lean).not.toContain("@@sandbox");
    expect(lean).not.toContain("--unshare-pid");
    expect(parseRemoteProbe(run(lean)).sample.sandbox).toBeUndefined();
  });

  test("binary_path is preferred; a failing binary falls back to the script", () => {
    const d = mkdtempSync(join(tmpdir(), "ce-probe-"));
    const good = join(d, "good");
    writeFileSync(
      good,
      `#!/bin/sh\n[ "$1 $2" = "probe --json" ] || exit 9\necho '{"hostname":"from-binary","os":"linux","arch":"x86_64","cores":1,"load_1m":0,"load_5m":0,"load_15m":0,"cpu_percent":0,"memory_percent":1,"mem_total":1}'\n`,
    );
    const bad = join(d, "bad");
    writeFileSync(bad, "#!/bin/sh\necho oops; exit 3\n");
    chmodSync(good, 0o755);
    chmodSync(bad, 0o755);
    const viaBinary = parseRemoteProbe(run(remoteProbeScript(good)));
    expect(viaBinary.method).toBe("probe");
    expect(viaBinary.sample.hostname).toBe("from-binary");
    expect(parseRemoteProbe(run(remoteProbeScript(bad))).method).toBe("script");
    // On PATH under its own name, without binary_path.
    const onPath = join(d, "bin");
    Bun.spawnSync(["mkdir", onPath]);
    Bun.spawnSync(["cp", good, join(onPath, "cluster-exec")]);
    const r = parseRemoteProbe(run(remoteProbeScript(), { PATH: `${onPath}:/usr/bin:/bin` }));
    expect(r.sample.hostname).toBe("from-binary");
  });
});
