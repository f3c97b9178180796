// A short command on a node by name, for verbs that inspect or prepare nodes (deploy): this
// machine through Bun.spawn, any other node over its transport's control session.
import type { RemoteExec, RemoteExecResult } from "../cluster/sampler.ts";
import type { Config } from "../config/load.ts";
import { knownNode } from "./nodes.ts";

export type NodeExec = (
  node: string,
  command: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
) => Promise<RemoteExecResult>;

export function createNodeExec(
  config: Config,
  deps: { remote: RemoteExec; isLocal: (node: string) => boolean },
): NodeExec {
  return async (name, command, opts) => {
    const node = knownNode(name, config);
    const signal = opts.signal ?? new AbortController().signal;
    if (!deps.isLocal(name))
      return deps.remote(node, command, { timeoutMs: opts.timeoutMs, signal });
    const proc = Bun.spawn(["/bin/sh", "-c", command], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      timeout: opts.timeoutMs,
      signal,
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code: proc.signalCode ? null : code };
  };
}
