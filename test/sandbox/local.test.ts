// The OS sandbox around local runs (bubblewrap, run here by root: without it root may write
// anything, so every "cannot" below is the sandbox's doing; each has its unsandboxed control).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSpec } from "../../src/exec/executor.ts";
import { runLocal } from "../../src/exec/local.ts";
import type { SandboxLevel } from "../../src/sandbox/levels.ts";

const ws = mkdtempSync(join(tmpdir(), "ce-ws-"));
// Outside the workspace and outside the temp directory (which a workspace sandbox leaves writable).
const canary = mkdtempSync("/var/tmp/ce-canary-");
writeFileSync(join(canary, "keep"), "precious\n");
const home = mkdtempSync("/var/tmp/ce-home-");
afterAll(() => {
  for (const d of [ws, canary, home]) rmSync(d, { recursive: true, force: true });
});

function run(command: string, level?: Exclude<SandboxLevel, "off">, extra: Partial<RunSpec> = {}) {
  return runLocal({
    command,
    cwd: ws,
    timeoutMs: 20_000,
    outputLimit: 64 * 1024,
    killGraceMs: 500,
    ...(level ? { sandbox: { level, writable: [] } } : {}),
    ...extra,
  });
}

describe("workspace: only the working directory, the temp directory and writable paths", () => {
  test("a build-like command works inside the workspace", async () => {
    const r = await run(
      "mkdir -p out/a/b && echo data > out/a/b/f && mv out/a out/c && cat out/c/b/f && rm -rf out && ls",
      "workspace",
    );
    expect(r).toMatchObject({ exit_code: 0, stdout: "data\n", stderr: "" });
  });

  test("a canary outside survives rm -rf, a write there fails read-only; without the sandbox it would not", async () => {
    const gone = await run(`rm -rf ${canary}`, "workspace");
    expect(gone.exit_code).not.toBe(0);
    expect(gone.stderr).toContain("Read-only file system");
    expect(readFileSync(join(canary, "keep"), "utf8")).toBe("precious\n");
    const write = await run(`echo x > ${canary}/f`, "workspace");
    expect(write.exit_code).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
    expect(existsSync(join(canary, "f"))).toBe(false);
    const control = await run(`echo x > ${canary}/f`);
    expect(control.exit_code).toBe(0);
    rmSync(join(canary, "f"));
  });

  test("/etc cannot be written, no capability is left, setuid cannot elevate", async () => {
    const probe =
      "test -w /etc && echo etc-writable || echo etc-readonly; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status";
    const boxed = await run(probe, "workspace");
    expect(boxed.stdout).toBe("etc-readonly\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n");
    const control = await run(probe);
    expect(control.stdout).toStartWith("etc-writable\n");
    expect(control.stdout).toContain("NoNewPrivs:\t0");
  });

  test("writable paths under ~ are the running machine's home; their siblings stay read-only", async () => {
    mkdirSync(join(home, "cache"), { recursive: true });
    mkdirSync(join(home, "other"), { recursive: true });
    const r = await run(
      'echo a > "$HOME/cache/f" && echo cache-ok; echo b > "$HOME/other/f" || echo other-refused',
      undefined,
      { sandbox: { level: "workspace", writable: ["~/cache"] }, env: { HOME: home } },
    );
    expect(r.stdout).toBe("cache-ok\nother-refused\n");
  });

  test("its own /proc and PID namespace: processes outside can be neither seen nor signalled", async () => {
    const r = await run(
      `kill -0 ${process.pid} 2>/dev/null && echo can-signal || echo cannot-signal; ls /proc | grep -c '^[0-9]'`,
      "workspace",
    );
    const [signal, count] = r.stdout.trim().split("\n");
    expect(signal).toBe("cannot-signal");
    expect(Number(count)).toBeLessThan(10);
  });

  test("no way around it through the environment: a fake bwrap on PATH, TMPDIR=/", async () => {
    const bin = join(home, "bin");
    mkdirSync(bin, { recursive: true });
    // A `bwrap` that would run the command unsandboxed, as an rc file could put on PATH.
    writeFileSync(
      join(bin, "bwrap"),
      '#!/bin/sh\nwhile [ "$1" != -- ]; do shift; done; shift; exec "$@"\n',
      {
        mode: 0o755,
      },
    );
    const r = await run(`echo x > ${canary}/g || echo refused`, "workspace", {
      env: { PATH: `${bin}:${process.env.PATH}`, TMPDIR: "/" },
    });
    expect(r.stdout).toBe("refused\n");
    expect(r.stderr).toContain("Read-only file system");
    expect(existsSync(join(canary, "g"))).toBe(false);
  });

  test("a workspace at / or in a system directory is refused before anything runs", async () => {
    for (const cwd of ["/", "/etc", "/usr/share"]) {
      const r = await run("echo ran", "workspace", { cwd });
      expect(r.stdout).toBe("");
      expect(r.error?.code).toBe("SANDBOX_UNAVAILABLE");
      expect(r.error?.message).toContain("give a project directory as cwd");
    }
  });
});

describe("system: the system directories read-only, everything else as before", () => {
  test("a canary outside the workspace is writable, /etc is not", async () => {
    const r = await run(
      `echo x > ${canary}/sys && echo canary-ok; touch /etc/ce-sandbox-test 2>&1; test -w /usr/bin || echo usr-readonly`,
      "system",
    );
    expect(r.stdout).toContain("canary-ok\n");
    expect(r.stdout).toContain("Read-only file system");
    expect(r.stdout).toContain("usr-readonly");
    expect(existsSync("/etc/ce-sandbox-test")).toBe(false);
    rmSync(join(canary, "sys"));
  });
});
