// A short command on a node over its ControlMaster, output collected whole (the sampler's probe
// prints a few KB), bounded in time; a session that never started is retried like a run.
import type { NodeConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { shellQuote } from "../shell/quote.ts";
import { type OpensshHub, SessionRefused } from "./hub.ts";

/** More than any probe prints; a node that floods is cut off rather than buffered. */
const MAX_OUTPUT = 256 * 1024;

export interface CollectedRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `command` through `/bin/sh -c` (the login shell may be anything) on a control session. */
export function opensshRemoteExec(hub: OpensshHub) {
  return (
    node: NodeConfig,
    command: string,
    opts: { timeoutMs: number; signal: AbortSignal },
  ): Promise<CollectedRun> => {
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
    const late = `${node.name}: probe took longer than ${opts.timeoutMs / 1000}s`;
    return hub
      .retrying(node, signal, async (link) => {
        const remote = `exec /bin/sh -c ${shellQuote(command)}`;
        const proc = await hub.spawn(node, link, remote, "control", signal);
        const kill = () => proc.kill("SIGKILL");
        signal.addEventListener("abort", kill, { once: true });
        try {
          const [stdout, stderr, code] = await Promise.all([
            collect(proc.stdout, kill),
            collect(proc.stderr, kill),
            proc.exited,
          ]);
          if (signal.aborted) throw new ClusterError("UNREACHABLE", late, { stage: "probe" });
          if (code === 255 && stdout === "") {
            const f = hub.sessionFailure(node, link, stderr);
            if (f?.kind === "refused") throw new SessionRefused(f.text);
            if (f?.kind === "error") throw f.error;
          }
          return { stdout, stderr, code };
        } finally {
          signal.removeEventListener("abort", kill);
        }
      })
      .catch((err: unknown) => {
        if ((err as Error).name === "AbortError")
          throw new ClusterError("UNREACHABLE", late, { stage: "probe" });
        throw err;
      });
  };
}

async function collect(stream: ReadableStream<Uint8Array>, flood: () => void): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size <= MAX_OUTPUT) parts.push(chunk);
    else flood();
  }
  return Buffer.concat(parts).toString("utf8");
}
