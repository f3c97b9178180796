// Builds the self-contained executables: dist/cluster-exec-<target> for each target, and
// dist/SHA256SUMS for every binary there (`sha256sum -c SHA256SUMS` checks them; `deploy` and
// `version --json --sha256` print the same digests).
// Usage: bun scripts/build.ts [--target linux-x64|darwin-arm64|linux-arm64]... [--out DIR]
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

// linux-arm64: Raspberry Pi, Graviton. Each cross target's Bun runtime comes from npm.
const ALL = ["linux-x64", "darwin-arm64", "linux-arm64"] as const;
type Target = (typeof ALL)[number];

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const outDir =
  outAt >= 0 && args[outAt + 1] ? resolve(args[outAt + 1] as string) : join(root, "dist");
const wanted = args.flatMap((a, i) => (a === "--target" ? [args[i + 1]] : []));
const targets = (wanted.length > 0 ? wanted : [...ALL]) as Target[];
for (const t of targets)
  if (!ALL.includes(t)) {
    console.error(`--target: got ${JSON.stringify(t)}, expected one of ${ALL.join(", ")}`);
    process.exit(2);
  }

const commit =
  (await Bun.$`git rev-parse --short HEAD`.cwd(root).quiet().nothrow()).stdout.toString().trim() ||
  "unknown";
// One entrypoint: parallel_execute fans out on the main thread (README: "why the main thread"),
// so there is no worker file to add.
const entrypoints = ["src/cli.ts"];
mkdirSync(outDir, { recursive: true });

for (const target of targets) {
  const outfile = join(outDir, `cluster-exec-${target}`);
  const started = performance.now();
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      ...entrypoints,
      "--compile",
      `--target=bun-${target}`,
      "--minify",
      "--bytecode",
      "--format=esm",
      // Each verb's modules in chunks of their own, loaded when it runs: `version` and the thin
      // front of the background process no longer load the whole bundle (version 56 → 41 ms).
      "--splitting",
      // A binary copied to many nodes must not pick up .env / bunfig.toml from whatever cwd it starts in.
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      // ssh2's optional native addons do not load in a compiled binary; its pure-JS fallback is used.
      "--external",
      "cpu-features",
      "--external",
      "*.node",
      `--define`,
      `BUILD_TARGET=${JSON.stringify(target)}`,
      `--define`,
      `BUILD_COMMIT=${JSON.stringify(commit)}`,
      "--outfile",
      outfile,
    ],
    { cwd: root, stdout: "inherit", stderr: "inherit" },
  );
  if ((await proc.exited) !== 0) {
    console.error(`build for ${target} failed`);
    process.exit(1);
  }
  console.error(`built ${outfile} in ${Math.round(performance.now() - started)} ms`);
}

// One line per binary, as sha256sum prints it: "<hex>  <name>".
const sums: string[] = [];
for (const name of readdirSync(outDir)
  .filter((f) => /^cluster-exec-[a-z0-9-]+$/.test(f))
  .sort()) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(join(outDir, name))) hash.update(chunk as Buffer);
  sums.push(`${hash.digest("hex")}  ${name}`);
}
writeFileSync(join(outDir, "SHA256SUMS"), `${sums.join("\n")}\n`);
console.error(`wrote ${join(outDir, "SHA256SUMS")} (${sums.length} binaries)`);
