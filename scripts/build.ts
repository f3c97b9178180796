// Builds the self-contained executables: dist/cluster-exec-<target> for each target.
// Usage: bun scripts/build.ts [--target linux-x64|darwin-arm64]...   (default: both)
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const ALL = ["linux-x64", "darwin-arm64"] as const;
type Target = (typeof ALL)[number];

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
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
mkdirSync(join(root, "dist"), { recursive: true });

for (const target of targets) {
  const outfile = join("dist", `cluster-exec-${target}`);
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
