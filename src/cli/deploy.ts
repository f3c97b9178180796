// `deploy [NODE...] [--from DIR] [--check] [--json]`: cluster-exec on the nodes, verified.
import type { Config } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { deploy } from "../run/deploy.ts";
import { createRuntime } from "../run/runtime.ts";
import { openTasks } from "../tasks/open.ts";
import { parseVerbArgs } from "./args.ts";
import { printJson, warn } from "./output.ts";

export const DEPLOY_HELP = `Usage: cluster-exec deploy [NODE...] [--from DIR] [--check] [--parallel N] [--json]

Puts cluster-exec on each node (default: every node) at its binary_path (default
~/.local/bin/cluster-exec): the binary for the node's os/arch — this very binary when it matches,
else DIR/cluster-exec-<target> (linux-x64, linux-arm64, darwin-arm64; default DIR: dist/, made by
\`npm run build\`). It is copied beside binary_path (SFTP, atomic, fsync'd, mode 0755), its SHA-256 is
checked on the node (sha256sum / shasum -a 256) and \`cluster-exec version --json\` is run there,
then it is renamed over the old one: a copy that fails (disk full, permission, wrong arch) leaves
the previous binary in place and says why. A node already at the same SHA-256 is skipped. Sampling
then probes each node with it (cluster-status: probe_via, version).
  --from DIR     where the cluster-exec-<target> binaries are (default: dist)
  --check        only report what would be copied
  --parallel N   nodes at once (default 4)
  --json         print one object per node: {node, state, target, path, sha256, previous_sha256, version, bytes, duration_ms, error?}
Progress goes to stderr, one line per node and step.
Exit codes: 0 every node done (or up to date); 1 a node failed (--check: a node would change);
2 usage or unknown node.`;

export async function deployVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("deploy", argv, {
    from: { type: "string" },
    check: { type: "boolean" },
    parallel: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    console.log(DEPLOY_HELP);
    return 0;
  }
  const parallel = values.parallel === undefined ? 4 : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
    throw new ClusterError(
      "USAGE",
      `--parallel: got ${JSON.stringify(values.parallel)}, expected a whole number 1-64`,
    );
  for (const w of config.warnings) warn(`warning: ${w}`);
  const tasks = openTasks(config);
  const rt = createRuntime(config);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, onSignal);
  try {
    const results = await deploy(rt, {
      nodes: positionals,
      from: values.from ?? "dist",
      check: values.check === true,
      parallel,
      requester: "cli",
      audit: (r) => tasks.audit.append(r),
      onProgress: (node, line) => warn(`deploy: ${node}: ${line}`),
      signal: abort.signal,
    });
    if (values.json) await printJson(results);
    else
      for (const r of results)
        console.log(
          `${r.node}\t${r.state}\t${r.target ?? "-"}\t${r.version ? `${r.version.version} (${r.version.commit})` : "-"}\t${r.error?.message ?? r.path ?? ""}`,
        );
    const bad = results.filter((r) => r.state === "failed" || r.state === "would_copy");
    return bad.length > 0 ? 1 : 0;
  } finally {
    for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, onSignal);
    await rt.close();
  }
}
