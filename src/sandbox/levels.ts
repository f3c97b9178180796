// Sandbox levels and tools: how a per-run request combines with a node's setting (it may only
// tighten it), and what a run needs from the node it lands on.
import { SANDBOX_LEVELS, type SandboxLevel } from "../config/sandbox-level.ts";

export { SANDBOX_LEVELS, type SandboxLevel };

/** What a node can sandbox with, as its probe reports it. */
export type SandboxTool = "bwrap" | "sandbox-exec" | "none";

export const SANDBOX_TOOLS: readonly SandboxTool[] = ["bwrap", "sandbox-exec", "none"];

/** What an executor needs to wrap a run: the level (never "off") and the extra writable paths. */
export interface SandboxSpec {
  level: Exclude<SandboxLevel, "off">;
  /** Absolute paths, or "~/..." under the home directory of the machine that runs the command. */
  writable: string[];
}

function rank(level: SandboxLevel): number {
  return SANDBOX_LEVELS.indexOf(level);
}

/**
 * The level a run gets on a node: the node's own, or the run's request when that is stricter. A
 * request for less than the node's setting never loosens it.
 */
export function effectiveSandbox(node: SandboxLevel, requested?: SandboxLevel): SandboxLevel {
  if (requested === undefined) return node;
  return rank(requested) > rank(node) ? requested : node;
}

/** The executor's part of a node's effective level; undefined when the run is not sandboxed. */
export function sandboxSpec(level: SandboxLevel, writable: string[]): SandboxSpec | undefined {
  return level === "off" ? undefined : { level, writable };
}

/**
 * Why a node cannot run a run at `level`, or undefined when it can (or cannot tell yet). `why`
 * replaces "has no sandbox" where the node has one but its runs cannot use it.
 */
export function sandboxUnmet(
  level: SandboxLevel,
  tool: SandboxTool | undefined,
  why = "has no sandbox (bwrap or sandbox-exec)",
): string | undefined {
  if (level === "off" || tool === undefined || tool !== "none") return undefined;
  return `${why}, needs sandbox=${level}`;
}

export function isSandboxLevel(v: unknown): v is SandboxLevel {
  return typeof v === "string" && (SANDBOX_LEVELS as readonly string[]).includes(v);
}
