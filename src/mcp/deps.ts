// What the MCP server needs from the rest of the program; tests pass their own.

import type { TaskApi } from "../tasks/api.ts";
import type { Requester, RunFn } from "../tasks/request.ts";

export interface McpDeps {
  run: RunFn;
  requester: Requester;
  /** The cluster_status report (SPEC shape). Reads cached facts; bounded in time. */
  clusterStatus(): Promise<{ local_node: string | null; nodes: Record<string, unknown> }>;
  /** parallel_execute's fan-out when max_concurrency is not given. */
  defaultConcurrency(): number;
  /** Background tasks; absent where the task store is not available. */
  tasks?: TaskApi;
}
