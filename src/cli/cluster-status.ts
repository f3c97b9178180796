// `cluster-status [--json]`: sample every node now (bounded by status_timeout) and show the table.
import { withTimeout } from "../abort.ts";
import { statusReport, statusTable } from "../cluster/report.ts";
import type { NodeView } from "../cluster/view.ts";
import type { Config } from "../config/load.ts";
import { createClusterSampler } from "../run/cluster-sampler.ts";
import { createTransports } from "../run/transports.ts";
import { parseVerbArgs } from "./args.ts";
import { currentHost } from "./host.ts";
import { printJson, println, warn, writeOut } from "./output.ts";

export const CLUSTER_STATUS_HELP = `Usage: cluster-exec cluster-status [--json]

Samples every node now, concurrently (this machine in-process, the others over SSH), and prints
one row per node: status (healthy, degraded = over a threshold, unreachable, unknown), cpu %,
memory %, 1-minute load, cores, os/arch, capabilities, address and how it was resolved (mdns, dns,
fallback, or cache), the sample's age and the last error. Answers within CLUSTER_STATUS_TIMEOUT
(default 5 s) even when nodes are down: those show as unreachable. Through the background process
(the default), a node it is sampling again shows its last good sample when under a minute old.

  --json   the cluster_status object: {local_node, nodes: {NAME: {status, cpu_percent, ...}}}`;

/** Time kept back from status_timeout for printing and exiting. */
const MARGIN_MS = 300;
/** Through the background process: a good sample this recent stands while its node is sampled again. */
const FRESH_MS = 60_000;
/** Longest wait for stopping the ControlMasters at the end. */
const CLOSE_MS = 1000;

export async function clusterStatusVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("cluster-status", argv, {
    json: { type: "boolean" },
  });
  if (values.help) {
    await println(CLUSTER_STATUS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    warn(`cluster-status: unexpected argument ${JSON.stringify(positionals[0])}`);
    return 2;
  }
  for (const w of config.warnings) warn(`warning: ${w}`);
  // The budget counts from the caller's start: a person waits for the whole command, not for us.
  const host = currentHost();
  const budget =
    config.settings.status_timeout * 1000 - (performance.now() - host.startedAt) - MARGIN_MS;
  const print = async (views: NodeView[]) => {
    const report = statusReport(views);
    if (values.json) await printJson(report);
    else await writeOut("stdout", `${statusTable(report)}\n`);
    return 0;
  };
  if (host.shared) {
    // The background process samples every node in the background: what is due is sampled now,
    // a node it sampled recently is shown from that sample (its age shows), as MCP's
    // cluster_status does. Sampling all of them again per call did not fit the status timeout
    // with 100 nodes on 2 cores: every call answered "0 healthy" after 18 s.
    const warm = await host.runtime(config, {});
    const intervalMs = config.settings.sample_interval * 1000;
    try {
      return await print(
        await warm.rt.sampler.sampleNow({
          timeoutMs: Math.max(0, budget),
          force: false,
          // A round over many nodes on a busy controller takes longer than the interval.
          freshMs: Math.max(FRESH_MS, 3 * intervalMs),
        }),
      );
    } finally {
      await warm.release();
    }
  }
  const transports = createTransports(config);
  const sampler = createClusterSampler(config, { transports });
  try {
    return await print(await sampler.sampleNow({ timeoutMs: Math.max(0, budget) }));
  } finally {
    // Unfinished attempts are abandoned, not awaited past the budget; the ControlMasters this
    // process started are stopped (a moment's work) so none lingers for ControlPersist.
    void sampler.close();
    await withTimeout(transports.openssh.close(), CLOSE_MS);
  }
}
