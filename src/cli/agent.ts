// `agent` (hidden): the resident node agent, started by the controller over one SSH exec channel.
// stdin/stdout carry the framed protocol (src/agent/protocol.ts); stderr is for diagnostics only.
import { once } from "node:events";
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
  const out = process.stdout;
  let failed: Error | undefined;
  out.on("error", (err) => {
    failed = err;
    stop.abort();
  });
  await serveAgent({
    input: Bun.stdin.stream(),
    write: async (bytes) => {
      if (failed) throw failed;
      if (!out.write(bytes)) await once(out, "drain");
    },
    run: runLocal,
    probe: sampleLocal,
    version: VERSION,
    signal: stop.signal,
    log: (m) => process.stderr.write(`cluster-exec agent: ${m}\n`),
  });
  return 0;
}
