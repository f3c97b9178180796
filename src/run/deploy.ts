// `deploy`: the right cluster-exec binary on every node (or those named), a few nodes at a time;
// each node's outcome is recorded in the audit log.
import type { Config } from "../config/load.ts";
import { fanOut } from "../exec/fan-out.ts";
import type { AuditFile } from "../tasks/audit.ts";
import type { Requester } from "../tasks/request.ts";
import { BinarySources } from "./binary-source.ts";
import { deployNode, type NodeDeploy } from "./deploy-node.ts";
import { knownNode } from "./nodes.ts";
import type { Runtime } from "./runtime.ts";

export interface DeployOptions {
  /** Nodes to deploy to; default all. */
  nodes?: string[];
  /** Where cluster-exec-<target> files are (default dist/). */
  from: string;
  /** Only report what would change. */
  check: boolean;
  /** Nodes at once. */
  parallel: number;
  requester: Requester;
  audit?: (record: AuditFile) => void;
  onProgress?: (node: string, line: string) => void;
  signal?: AbortSignal;
}

export async function deploy(
  rt: Pick<Runtime, "config" | "filesFor" | "execOn">,
  opts: DeployOptions,
): Promise<NodeDeploy[]> {
  const config: Config = rt.config;
  // A Slurm partition's jobs run on its compute nodes, not where cluster-exec would go: named
  // explicitly, its submit host gets the binary; by default it is left out.
  const names = opts.nodes?.length
    ? opts.nodes
    : Object.values(config.nodes)
        .filter((n) => n.kind !== "slurm")
        .map((n) => n.name);
  const nodes = names.map((n) => knownNode(n, config)); // NODE_UNKNOWN before anything starts
  const sources = new BinarySources(opts.from);
  const { ssh_connect_timeout, ssh_timeout } = config.settings;
  const deps = {
    filesFor: rt.filesFor,
    execOn: rt.execOn,
    sources,
    // A version check starts a 110 MB binary from a cold disk: give it time.
    timeoutMs: (ssh_connect_timeout + ssh_timeout + 30) * 1000,
    onProgress: opts.onProgress,
  };
  return fanOut(nodes.length, opts.parallel, async (i) => {
    const node = nodes[i] as (typeof nodes)[number];
    const r = await deployNode(node.name, node.binary_path, opts.check, deps, opts.signal);
    if (!opts.check)
      try {
        opts.audit?.({
          event: "file",
          op: "deploy",
          requester: opts.requester,
          node: node.name,
          path: r.path ?? node.binary_path,
          bytes: r.bytes,
          outcome: r.state === "failed" ? "failed" : "ok",
          ...(r.sha256 ? { sha256: r.sha256 } : {}),
          ...(r.error ? { error_code: r.error.code, error: r.error.message } : {}),
        });
      } catch {
        // the deploy happened; a full audit disk is reported by the next run's recorder
      }
    return r;
  });
}
