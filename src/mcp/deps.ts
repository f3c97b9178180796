// What the MCP server needs from the rest of the program; tests pass their own.

import { SETTINGS } from "../config/settings.ts";
import type { FileApi } from "../files/api.ts";
import type { TaskApi } from "../tasks/api.ts";
import type { Requester, RunFn } from "../tasks/request.ts";

export interface McpDeps {
  run: RunFn;
  requester: Requester;
  /** The cluster_status report (SPEC shape). Reads cached facts; bounded in time. */
  clusterStatus(): Promise<{ local_node: string | null; nodes: Record<string, unknown> }>;
  /** parallel_execute's fan-out when max_concurrency is not given. */
  defaultConcurrency(): number;
  /**
   * Background tasks and the stored output of every run (a cut result names task_output); absent
   * where the task store is not available.
   */
  tasks?: TaskApi;
  /** put_file / get_file; absent where no node can be reached for files. */
  files?: FileApi;
  /** Characters a tool result may take (settings mcp_*_limit); the table's defaults otherwise. */
  limits?: ResultLimits;
}

export interface ResultLimits {
  /** A run that succeeded. */
  output: number;
  /** A run that failed, timed out or was canceled. */
  errorOutput: number;
  /** A parallel_execute result, all items together. */
  batchOutput: number;
}

export const DEFAULT_LIMITS: ResultLimits = {
  output: SETTINGS.mcp_output_limit.default,
  errorOutput: SETTINGS.mcp_error_output_limit.default,
  batchOutput: SETTINGS.mcp_batch_output_limit.default,
};

export function limitsOf(deps: McpDeps): ResultLimits {
  return deps.limits ?? DEFAULT_LIMITS;
}
