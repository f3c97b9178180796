// parallel_execute: many independent commands at once, spread over the cluster, results in input order.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { fanOut } from "../../exec/fan-out.ts";
import { type RunResult, runFailed } from "../../exec/result.ts";
import type { RunRequest } from "../../tasks/request.ts";
import { limitsOf, type McpDeps } from "../deps.ts";
import { startProgress } from "../progress.ts";
import { requestSignal } from "../request-signals.ts";
import {
  command,
  expected,
  params,
  requiresArch,
  requiresCapabilities,
  requiresOs,
  sandbox,
  sizedRunResult,
  timeoutSeconds,
  toRequirements,
} from "../schemas.ts";
import { fitResult, type Value } from "../sizing.ts";
import { counting, type Written } from "./result.ts";

const MAX_ITEMS = 256;
const MAX_CONCURRENCY = 16;

const ITEM =
  "a command line or {command, requires_os?, requires_arch?, requires_capabilities?, node_id?}";
const item = z.union(
  [
    command,
    params({
      command,
      requires_os: requiresOs.optional(),
      requires_arch: requiresArch.optional(),
      requires_capabilities: requiresCapabilities.optional(),
      node_id: z
        .string({ error: expected("a node name") })
        .min(1, { error: expected("a node name") })
        .optional(),
    }),
  ],
  { error: expected(ITEM) },
);

export function registerParallelExecuteTool(server: McpServer, deps: McpDeps): void {
  server.registerTool(
    "parallel_execute",
    {
      title: "Run many independent commands in parallel across the cluster",
      description:
        "Runs independent shell commands at the same time, each routed like cluster_bash (or pinned with " +
        "node_id) when it starts, spreading them over the nodes by free capacity (runs in flight count). " +
        "Returns {results: [...]}, one run result per command in input order; one failing command never hides " +
        "the others. The results share one size budget (failing ones get more): long output is cut to head and " +
        "tail, and each cut stream names the task_output call that pages the rest. timeout_seconds is a " +
        `deadline for the whole batch. At most ${MAX_ITEMS} commands and ${MAX_CONCURRENCY} at a time.`,
      inputSchema: params({
        commands: z
          .array(item, { error: expected(`a list of ${ITEM}`) })
          .min(1, { error: () => "expected at least one command" })
          .max(MAX_ITEMS, { error: () => `expected at most ${MAX_ITEMS} commands` })
          .describe(
            "Each a command line, or {command, requires_os?, requires_arch?, requires_capabilities?, node_id?}",
          ),
        max_concurrency: z
          .number({ error: expected(`a whole number 1-${MAX_CONCURRENCY}`) })
          .int({ error: expected(`a whole number 1-${MAX_CONCURRENCY}`) })
          .min(1, { error: expected(`a whole number 1-${MAX_CONCURRENCY}`) })
          .max(MAX_CONCURRENCY, { error: expected(`a whole number 1-${MAX_CONCURRENCY}`) })
          .optional()
          .describe(
            "Commands in flight at once (default: the cluster's free capacity, at most 16)",
          ),
        timeout_seconds: timeoutSeconds
          .optional()
          .describe("Deadline for the whole batch, in seconds"),
        sandbox: sandbox.optional().describe("The OS sandbox for every command (see cluster_bash)"),
      }),
      outputSchema: { results: z.array(sizedRunResult) },
      annotations: { destructiveHint: true, openWorldHint: true, readOnlyHint: false },
    },
    async (args, extra) => {
      const requests: RunRequest[] = args.commands.map((c) =>
        typeof c === "string"
          ? { command: c, requester: deps.requester }
          : {
              command: c.command,
              node: c.node_id,
              requirements: toRequirements(c),
              requester: deps.requester,
            },
      );
      const limit =
        args.max_concurrency ?? Math.min(MAX_CONCURRENCY, Math.max(1, deps.defaultConcurrency()));
      const deadline = args.timeout_seconds ? Date.now() + args.timeout_seconds * 1000 : undefined;
      const progress = startProgress(extra, `parallel_execute (${requests.length} commands)`);
      const { signal, release } = requestSignal(extra);
      try {
        const written: Written[] = [];
        // Each item is placed when it starts (in its run), so it sees the runs already in flight.
        const results = await fanOut(requests.length, limit, (i): Promise<RunResult> => {
          const req = requests[i] as RunRequest;
          // Past the deadline the pipeline records it as never started, timed out.
          const left = deadline === undefined ? undefined : (deadline - Date.now()) / 1000;
          const count = counting(progress.onOutput);
          written[i] = count.written;
          return deps.run(
            { ...req, timeoutS: left, sandbox: args.sandbox },
            { signal, onOutput: count.onOutput },
          );
        });
        const failed = results.filter(runFailed).length;
        const items = results.map((r, i) => ({
          value: r as unknown as Value,
          failed: runFailed(r),
          written: written[i],
        }));
        return fitResult(
          items,
          { limit: limitsOf(deps).batchOutput, stored: deps.tasks !== undefined },
          (values) => ({
            content: [{ type: "text", text: renderBatch(values, failed) }],
            structuredContent: { results: values },
            isError: failed > 0,
          }),
        );
      } finally {
        progress.stop();
        release();
      }
    },
  );
}

/** One line per item, then its (bounded) output: the same output as the structured results. */
function renderBatch(values: Value[], failed: number): string {
  const lines = [`${values.length - failed} of ${values.length} succeeded`];
  values.forEach((v, i) => {
    const r = v as unknown as RunResult;
    lines.push(`#${i} [${r.node || "no node"}] ${summary(r)}: ${r.command}`);
    if (r.stdout) lines.push(`--- stdout ---\n${r.stdout.replace(/\n$/, "")}`);
    if (r.stderr) lines.push(`--- stderr ---\n${r.stderr.replace(/\n$/, "")}`);
  });
  return lines.join("\n");
}

function summary(r: RunResult): string {
  if (r.error) return r.error.code;
  if (r.timed_out) return "timed out";
  if (r.canceled) return "canceled";
  if (r.signal) return r.signal;
  return `exit ${r.exit_code}`;
}
