// Runs the CLI from source (or a built binary) as a child process, in an isolated HOME.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const CLI = join(ROOT, "src", "cli.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A fresh HOME: no config file (so the embedded default applies) and a private state dir. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), "ce-home-"));
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USER: "tester",
    CLUSTER_NO_DAEMON: "1",
    ...extra,
  };
}

export async function cli(
  args: string[],
  opts: { env?: Record<string, string>; bin?: string[]; cwd?: string } = {},
): Promise<CliResult> {
  const started = performance.now();
  const proc = Bun.spawn([...(opts.bin ?? [process.execPath, CLI]), ...args], {
    env: opts.env ?? isolatedEnv(),
    cwd: opts.cwd ?? ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, ms: performance.now() - started };
}

let built: Promise<string> | undefined;

/** Builds dist/cluster-exec-linux-x64 with the product's own build script, once per test process. */
export function buildLinuxBinary(): Promise<string> {
  built ??= (async () => {
    const build = Bun.spawn([process.execPath, "scripts/build.ts", "--target", "linux-x64"], {
      cwd: ROOT,
      stdout: "ignore",
      stderr: "pipe",
    });
    const err = await new Response(build.stderr).text();
    if ((await build.exited) !== 0) throw new Error(`build failed:\n${err}`);
    return join(ROOT, "dist", "cluster-exec-linux-x64");
  })();
  return built;
}
