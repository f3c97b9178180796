// The MCP server's dependencies from the runtime (run, cluster_status, fan-out width): the wiring
// between the run floor and the mcp floor, so it lives above both, with the transports.
import { statusReport } from "../cluster/report.ts";
import { createFileApi } from "../files/api.ts";
import type { McpDeps } from "../mcp/deps.ts";
import { freeCapacity } from "../routing/capacity.ts";
import type { Runtime } from "../run/runtime.ts";
import { createTaskApi } from "../tasks/api.ts";
import type { SpawnRunner } from "../tasks/detach.ts";
import type { Tasks } from "../tasks/open.ts";
import type { Requester } from "../tasks/request.ts";

const MAX_FAN_OUT = 16;

export function mcpDepsFrom(
  rt: Runtime,
  requester: Requester,
  tasks?: Tasks,
  opts: { spawn?: SpawnRunner } = {},
): McpDeps {
  const s = rt.config.settings;
  return {
    requester,
    tasks: tasks ? createTaskApi(tasks, { requester, spawn: opts.spawn }) : undefined,
    files: createFileApi({
      config: rt.config,
      filesFor: rt.filesFor,
      audit: tasks ? (record) => tasks.audit.append(record) : undefined,
    }),
    limits: {
      output: s.mcp_output_limit,
      errorOutput: s.mcp_error_output_limit,
      batchOutput: s.mcp_batch_output_limit,
    },
    run: rt.run,
    async clusterStatus() {
      let views = rt.sampler.views();
      // Wait for fresh samples only where one may come: a node known to be down is retried by the
      // background sampler on its backoff, not on every call.
      if (views.some((v) => v.stale && v.health !== "unreachable"))
        views = await rt.sampler.sampleNow({
          timeoutMs: rt.config.settings.status_timeout * 1000,
          force: false,
        });
      return statusReport(views);
    },
    defaultConcurrency() {
      // The free capacity routing ranks nodes by, summed over the nodes that can take work.
      let free = 0;
      for (const v of rt.sampler.views())
        if (v.health !== "unreachable") free += Math.max(0, freeCapacity(v));
      return Math.max(1, Math.min(MAX_FAN_OUT, Math.floor(free)));
    },
  };
}
