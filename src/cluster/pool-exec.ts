// Remote sampling over the shared SSH pool: one short command on a pooled connection, its output
// collected whole (a probe prints a few KB), bounded in time.

import { ClusterError } from "../errors.ts";
import { shellQuote } from "../shell/quote.ts";
import type { SshPool } from "../ssh/pool.ts";
import type { RemoteProcess } from "../ssh/remote-process.ts";
import type { RemoteExec, RemoteExecResult } from "./sampler.ts";

/** More than any probe prints; a node that floods is cut off rather than buffered. */
const MAX_OUTPUT = 256 * 1024;

/**
 * Sends the command through `/bin/sh -c` (the login shell may be anything) on a "control" channel
 * of the node's pooled connection: sampling must not wait behind long commands that fill the
 * run channels, and takes one control slot for a fraction of a second.
 */
export function poolRemoteExec(pool: SshPool): RemoteExec {
  return async (node, command, { timeoutMs, signal }) => {
    const all = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const proc = await pool.exec(node, `exec /bin/sh -c ${shellQuote(command)}`, "control", all);
    return collect(proc, all, `${node.name}: probe took longer than ${timeoutMs / 1000}s`);
  };
}

async function collect(
  proc: RemoteProcess,
  signal: AbortSignal,
  late: string,
): Promise<RemoteExecResult> {
  const { channel } = proc;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const take = (into: Buffer[]) => (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_OUTPUT) into.push(chunk);
    else channel.close();
  };
  channel.on("data", take(out));
  channel.stderr.on("data", take(err));
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      channel.close();
      reject(new ClusterError("UNREACHABLE", late, { stage: "probe" }));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    await Promise.race([proc.closed, aborted]);
    // The exit status comes before the close; a channel closed without one has code null.
    const status = await Promise.race([proc.exited, Promise.resolve(null)]);
    return {
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
      code: status?.code ?? null,
    };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
