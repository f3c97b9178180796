// `agent` (hidden): the resident node agent, started by the controller over one SSH exec channel.
// stdin/stdout carry the framed protocol (src/agent/protocol.ts); stderr is for diagnostics only.
import { serveAgent } from "../agent/server.ts";
import { sampleLocal } from "../cluster/probe.ts";
import { runLocal } from "../exec/local.ts";
import { VERSION } from "../version.ts";

export async function agentVerb(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write(
      "cluster-exec agent: takes no arguments (internal verb: started by cluster-exec over SSH)\n",
    );
    return 2;
  }
  // A lost terminal or a kill of this process ends the session as a closed channel does:
  // every process group started here is killed before the agent exits.
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGHUP", "SIGINT", "SIGPIPE"] as const)
    process.on(sig, () => stop.abort());
  // Bun's file sink on fd 1: frames are buffered and written in few syscalls, header and payload
  // without concatenating them; past the high-water mark the writer waits for the flush.
  const sink = Bun.stdout.writer({ highWaterMark: 1024 * 1024 });
  let failed: Error | undefined;
  await serveAgent({
    input: Bun.stdin.stream(),
    write: async (bytes) => {
      if (failed) throw failed;
      try {
        if (Array.isArray(bytes)) for (const b of bytes) sink.write(b);
        else sink.write(bytes);
        const flushed = sink.flush();
        if (flushed instanceof Promise) await flushed;
      } catch (err) {
        failed = err as Error;
        stop.abort();
        throw err;
      }
    },
    run: runLocal,
    probe: sampleLocal,
    version: VERSION,
    signal: stop.signal,
    log: (m) => process.stderr.write(`cluster-exec agent: ${m}\n`),
  });
  return 0;
}
