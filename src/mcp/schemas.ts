// zod shapes of the MCP tools' inputs and outputs (the SDK turns them into JSON Schema).
import { z } from "zod";
import type { RunResult } from "../exec/result.ts";
import type { ExplicitRequirements } from "../routing/requirements.ts";
import { SANDBOX_LEVELS } from "../sandbox/levels.ts";

/** A zod error callback that names the bad value and what was expected. */
export function expected(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `missing; expected ${what}`
      : `got ${JSON.stringify(issue.input)}, expected ${what}`;
}

/**
 * A tool's parameters as a strict object: an unknown one (a typo, another tool's parameter such as
 * node_id on cluster_bash) is an error naming it and the expected ones, never silently ignored.
 */
export function params<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown parameter ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; expected ${known}`
        : undefined,
  });
}

export const requiresOs = z
  .enum(["linux", "macos", "darwin"], { error: expected('"linux" or "macos" (alias "darwin")') })
  .describe("Only nodes with this OS (darwin = macos)");
export const requiresArch = z
  .enum(["x86_64", "arm64", "amd64", "aarch64"], {
    error: expected('"x86_64" or "arm64" (aliases "amd64", "aarch64")'),
  })
  .describe("Only nodes with this CPU architecture");
export const requiresCapabilities = z
  .array(
    z
      .string({ error: expected('a capability name like "docker"') })
      .min(1, { error: expected('a capability name like "docker"') }),
    {
      error: expected('a list of capability names like ["docker"]'),
    },
  )
  .describe('Only nodes with all these capabilities, e.g. ["docker"]');
export const timeoutSeconds = z
  .number({ error: expected("a number of seconds") })
  .positive({ error: expected("seconds > 0") })
  .max(86_400, { error: expected("at most 86400 seconds (use background: true for long work)") })
  .describe("Kill the command's whole process group after this many seconds (default 300)");
export const cwd = z
  .string({ error: expected("a directory path") })
  .min(1, { error: expected("a directory path") })
  .describe("Working directory on the node");
export const command = z
  .string({ error: expected("a shell command line") })
  .min(1, { error: expected("a non-empty shell command line") })
  // The analyser's bound (1 MiB): a heredoc that writes a whole file is a command line too.
  .max(1_048_576, {
    error: () =>
      "expected a command line of at most 1048576 characters (write large files with put_file)",
  })
  .superRefine((value, ctx) => {
    const nul = value.indexOf("\u0000");
    if (nul >= 0)
      ctx.addIssue({
        code: "custom",
        message: `holds a NUL byte at position ${nul}; a command line cannot contain NUL (a shell would cut it short there)`,
      });
  })
  .describe("Shell command line, run with bash -c (sh where bash is missing)");
export const sandbox = z
  .enum(SANDBOX_LEVELS, { error: expected('"off", "system" or "workspace"') })
  .describe(
    "Run inside the OS sandbox: system (system directories read-only, setuid/sudo inert) or workspace " +
      "(everything read-only except cwd, the temp directory and the node's writable paths). Only tightens " +
      "the node's own setting; a node without a sandbox refuses (SANDBOX_UNAVAILABLE), never runs it unsandboxed",
  );
export const background = z
  .boolean({ error: expected("true or false") })
  .describe("Start as a background task and return {task_id, node} at once (poll with task_wait)");

/** The requirement parameters as given (the router resolves aliases); undefined when none. */
export function toRequirements(a: ExplicitRequirements): ExplicitRequirements | undefined {
  const { requires_os, requires_arch, requires_capabilities } = a;
  if (!requires_os && !requires_arch && !requires_capabilities?.length) return undefined;
  return { requires_os, requires_arch, requires_capabilities };
}

export const routeCandidate = z.object({
  node: z.string(),
  score: z.number().optional(),
  note: z.string().optional(),
  eligible: z.boolean(),
});

export const runResultShape = {
  task_id: z.string(),
  node: z.string(),
  command: z.string(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  duration_ms: z.number(),
  timed_out: z.boolean(),
  canceled: z.boolean(),
  route: z.looseObject({
    reason: z.string(),
    candidates: z.array(routeCandidate.loose()),
    job: z
      .object({
        scheduler: z.literal("slurm"),
        partition: z.string(),
        job_id: z.string().nullable(),
        state: z.string().optional(),
      })
      .optional(),
  }),
  error: z
    .object({ code: z.string(), message: z.string(), rule: z.string().optional() })
    .optional(),
};
export const runResult = z.object(runResultShape);

/**
 * Beside a run result whose output was cut (by output_limit or to fit the result's size): which
 * streams, how many bytes each produced, and the task_output calls that page what is not shown.
 */
export const cutShape = {
  stdout_truncated: z.boolean().optional(),
  stderr_truncated: z.boolean().optional(),
  stdout_bytes: z.number().optional(),
  stderr_bytes: z.number().optional(),
  more: z
    .array(
      z.object({
        tool: z.literal("task_output"),
        arguments: z.object({
          task_id: z.string(),
          stream: z.enum(["stdout", "stderr"]),
          offset: z.number(),
        }),
      }),
    )
    .optional(),
};
export const sizedRunResult = z.object({ ...runResultShape, ...cutShape });

// The schema and the RunResult type are one shape, checked at compile time: the same fields, and
// every RunResult the program builds is valid output.
type Assert<T extends true> = T;
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
export type RunResultMatchesSchema = Assert<
  SameKeys<RunResult, z.infer<typeof runResult>> &
    (RunResult extends z.infer<typeof runResult> ? true : false)
>;

/**
 * cluster_bash / offload_to return a run result, or with `background: true` only
 * {task_id, node, state}: the fields of a finished run are then absent.
 */
export const runOrTaskOutput = z.object({
  ...z.object(runResultShape).partial().shape,
  ...cutShape,
  task_id: z.string(),
  node: z.string(),
  state: z.string().optional(),
});

/** A byte offset into stored bytes (a task's output, a file), paged by the previous next_offset. */
export function byteOffset(describe: string) {
  return z
    .number({ error: expected("a byte offset (next_offset of the previous call)") })
    .int({ error: expected("a whole byte offset") })
    .min(0, { error: expected("a byte offset >= 0") })
    .optional()
    .describe(describe);
}

/** The largest page a paging tool returns, at most `max` bytes. */
export function pageLimit(max: number, describe: string) {
  return z
    .number({ error: expected("a number of bytes") })
    .int({ error: expected("a whole number of bytes") })
    .min(1, { error: expected("at least 1 byte") })
    .max(max, { error: expected(`at most ${max} bytes`) })
    .optional()
    .describe(describe);
}
