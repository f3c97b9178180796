// Test helper: a `cluster-exec` for a test node that runs this checkout from source with the repo's
// bun (no compile step in the test run). Nodes share this machine's filesystem, so a script in the
// node's directory is the node's binary; its path goes into the config as binary_path. The node's
// user must reach the checkout: a clone in a private directory (mktemp -d, 0700) is mirrored into
// the cluster's directory first, by hard links (no copy of node_modules' 300 MB).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestCluster } from "./cluster.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** Writes NODE's binary (a script) and returns its path. */
export function installSourceAgent(cluster: TestCluster, node: string): string {
  const dir = join(cluster.dir, "nodes", node, "agent-bin");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const path = join(dir, "cluster-exec");
  const root = othersCanReach(ROOT) ? ROOT : mirror(cluster);
  const bun = join(root, "node_modules", ".bin", "bun");
  writeFileSync(path, `#!/bin/sh\nexec ${bun} ${join(root, "src", "cli.ts")} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** The cluster's config with `binary_path` set for the given nodes (others keep none). */
export function configWithBinaries(
  cluster: TestCluster,
  paths: Record<string, string>,
  name = "agent.toml",
  extraDefaults = "",
): string {
  let text = readFileSync(cluster.configPath, "utf8");
  if (extraDefaults) text = text.replace("[defaults]\n", `[defaults]\n${extraDefaults}\n`);
  for (const [node, path] of Object.entries(paths))
    text = text.replace(`[nodes.${node}]\n`, `[nodes.${node}]\nbinary_path = "${path}"\n`);
  const out = join(cluster.dir, name);
  writeFileSync(out, text);
  return out;
}

/** Whether a user other than the owner can walk down to `dir` (every directory on the way o+x). */
function othersCanReach(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/** The checkout's source and packages under the cluster's directory (once per cluster). */
function mirror(cluster: TestCluster): string {
  const root = join(cluster.dir, "checkout");
  if (existsSync(join(root, "src"))) return root;
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  for (const part of ["src", "node_modules", "package.json", "tsconfig.json"]) {
    // Hard links where the file system allows them, else a copy.
    const r = spawnSync("cp", ["-al", join(ROOT, part), root]);
    if (r.status !== 0) spawnSync("cp", ["-a", join(ROOT, part), root]);
  }
  return root;
}
