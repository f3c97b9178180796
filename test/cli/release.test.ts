// What `npm run build` ships: binaries per target and SHA256SUMS that match them; each binary
// prints its own digest (`version --json --sha256`). The linux-arm64 one runs under qemu-user.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

const out = mkdtempSync(join(tmpdir(), "ce-release-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(async () => {
  const build = Bun.spawn(
    [
      process.execPath,
      "scripts/build.ts",
      "--target",
      "linux-x64",
      "--target",
      "linux-arm64",
      "--out",
      out,
    ],
    { cwd: ROOT, stdout: "ignore", stderr: "pipe" },
  );
  const err = await new Response(build.stderr).text();
  if ((await build.exited) !== 0) throw new Error(`build failed:\n${err}`);
}, 240_000);

const sums = () =>
  Object.fromEntries(
    readFileSync(join(out, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("  ").reverse() as [string, string]),
  );

/**
 * Each binary hashes its own ~120 MB (under qemu-user: emulated), so a test gets its own bound,
 * not bun's 5 s default, which a loaded machine passes even for the native one.
 */
const RUN_T = 120_000;

async function version(argv: string[]) {
  const p = Bun.spawn([...argv, "version", "--json", "--sha256"], { stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")}: exit ${code}: ${stderr}`);
  return JSON.parse(stdout) as { target: string; sha256: string };
}

describe("release artifacts", () => {
  test(
    "SHA256SUMS lists every binary, and sha256sum -c agrees",
    () => {
      expect(Object.keys(sums()).sort()).toEqual([
        "cluster-exec-linux-arm64",
        "cluster-exec-linux-x64",
      ]);
      const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: out });
      expect(check.stdout.toString()).toBe(
        "cluster-exec-linux-arm64: OK\ncluster-exec-linux-x64: OK\n",
      );
    },
    RUN_T,
  );

  test(
    "linux-x64 prints its own digest",
    async () => {
      const v = await version([join(out, "cluster-exec-linux-x64")]);
      expect(v).toMatchObject({ target: "linux-x64", sha256: sums()["cluster-exec-linux-x64"] });
    },
    RUN_T,
  );

  test(
    "linux-arm64 runs (under qemu-user) and prints its own digest",
    async () => {
      const v = await version([
        "qemu-aarch64",
        "-L",
        "/usr/aarch64-linux-gnu",
        join(out, "cluster-exec-linux-arm64"),
      ]);
      expect(v).toMatchObject({
        target: "linux-arm64",
        sha256: sums()["cluster-exec-linux-arm64"],
      });
    },
    RUN_T,
  );

  test(
    "from source there is no binary to hash",
    async () => {
      const v = await version([process.execPath, join(ROOT, "src", "cli.ts")]);
      expect(v).toMatchObject({ sha256: null });
    },
    RUN_T,
  );
});
