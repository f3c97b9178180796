// Test helper: a `cluster-exec` for a test node that runs this checkout from source with the repo's
// bun (no compile step in the test run). Nodes share this machine's filesystem, so a script in the
// node's directory is the node's binary; its path goes into the config as binary_path.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestCluster } from "./cluster.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** Writes NODE's binary (a script) and returns its path. */
export function installSourceAgent(cluster: TestCluster, node: string): string {
  const dir = join(cluster.dir, "nodes", node, "agent-bin");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const path = join(dir, "cluster-exec");
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  writeFileSync(path, `#!/bin/sh\nexec ${bun} ${join(ROOT, "src", "cli.ts")} "$@"\n`);
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
