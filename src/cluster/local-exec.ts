// Sampling commands run on this machine (a Slurm partition whose submit host is this one): the
// same RemoteExec contract as the pooled SSH path, through /bin/sh, bounded in time and size.
import type { RemoteExec } from "./sampler.ts";

const MAX_OUTPUT = 256 * 1024;

export const localShellExec: RemoteExec = async (_node, command, { timeoutMs, signal }) => {
  const proc = Bun.spawn(["/bin/sh", "-c", command], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    signal,
  });
  const text = async (s: ReadableStream<Uint8Array>) =>
    (await new Response(s).text()).slice(0, MAX_OUTPUT);
  const [stdout, stderr] = await Promise.all([text(proc.stdout), text(proc.stderr)]);
  await proc.exited;
  return { stdout, stderr, code: proc.exitCode };
};
