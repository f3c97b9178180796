// Remote sampling over the shared SSH pool: one short command on a pooled connection, its output
// collected whole (a probe prints a few KB), bounded in time.
import type { ClientChannel } from "ssh2";
import { shellQuote } from "../cli/args.ts";
import { ClusterError } from "../errors.ts";
import type { SshPool } from "../ssh/pool.ts";
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
    const channel = await pool.exec(node, `exec /bin/sh -c ${shellQuote(command)}`, "control", all);
    return collect(channel, all, `${node.name}: probe took longer than ${timeoutMs / 1000}s`);
  };
}

function collect(
  channel: ClientChannel,
  signal: AbortSignal,
  late: string,
): Promise<RemoteExecResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let code: number | null = null;
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
      else channel.close();
    };
    const onAbort = () => {
      channel.close();
      reject(new ClusterError("UNREACHABLE", late, { stage: "probe" }));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    channel.on("data", take(out));
    channel.stderr.on("data", take(err));
    channel.on("exit", (c: number | null) => {
      code = c;
    });
    channel.on("close", () => {
      signal.removeEventListener("abort", onAbort);
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code,
      });
    });
  });
}
