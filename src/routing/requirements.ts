// Placement requirements: explicit ones (requires_os/arch/capabilities, aliases resolved) are hard;
// inferred ones (docker → capability docker, swift build → macos) are hard only when nothing was
// asked explicitly — an explicit request is the caller's judgement and overrides our guess.
import { mergeCapabilities } from "../cluster/capabilities.ts";
import type { NodeConfig } from "../config/load.ts";
import { archSchema, osSchema } from "../config/schema.ts";
import { ClusterError } from "../errors.ts";
import type { InferredRequirement } from "./classify.ts";

/** The public parameter names of cluster_bash / parallel_execute. */
export interface ExplicitRequirements {
  requires_os?: string;
  requires_arch?: string;
  requires_capabilities?: string[];
}

export interface Requirement {
  kind: "os" | "arch" | "capability";
  value: string;
  source: "explicit" | "inferred";
  /** Soft: preferred, never excludes a node. */
  hard: boolean;
  /** For inferred ones: the program that implies it. */
  because?: string;
}

/** What we know of a node for matching: config first, then its last load sample. */
export interface NodeFacts {
  os?: string;
  arch?: string;
  /** Configured and detected alike: an inferred or explicit requirement matches either. */
  capabilities: string[];
}

export function resolveRequirements(
  explicit: ExplicitRequirements | undefined,
  inferred: InferredRequirement[],
): Requirement[] {
  const out: Requirement[] = [];
  if (explicit?.requires_os)
    out.push({
      kind: "os",
      value: parseAlias(osSchema, "requires_os", explicit.requires_os),
      source: "explicit",
      hard: true,
    });
  if (explicit?.requires_arch)
    out.push({
      kind: "arch",
      value: parseAlias(archSchema, "requires_arch", explicit.requires_arch),
      source: "explicit",
      hard: true,
    });
  for (const cap of explicit?.requires_capabilities ?? []) {
    const value = cap.trim().toLowerCase();
    if (!value)
      throw new ClusterError(
        "USAGE",
        'requires_capabilities: got "", expected a capability word like "docker"',
      );
    if (!out.some((r) => r.kind === "capability" && r.value === value))
      out.push({ kind: "capability", value, source: "explicit", hard: true });
  }
  const hard = out.length === 0;
  for (const r of inferred) {
    if (out.some((o) => o.kind === r.kind && o.value === r.value)) continue;
    out.push({ kind: r.kind, value: r.value, source: "inferred", hard, because: r.because });
  }
  return out;
}

function parseAlias(
  schema: typeof osSchema | typeof archSchema,
  key: string,
  value: string,
): string {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const expected = parsed.error.issues[0]?.message ?? "a known value";
  throw new ClusterError("USAGE", `${key}: got ${JSON.stringify(value)}, ${expected}`, {
    key,
    value,
  });
}

export function nodeFacts(
  config: NodeConfig,
  sample?: { os?: string; arch?: string },
  detected?: string[],
): NodeFacts {
  return {
    os: config.os ?? sample?.os,
    arch: config.arch ?? sample?.arch,
    capabilities: mergeCapabilities(config.capabilities, detected),
  };
}

/** Why the node does not meet the requirement, or undefined when it does. */
export function unmetReason(facts: NodeFacts, req: Requirement): string | undefined {
  switch (req.kind) {
    case "os":
      if (facts.os === req.value) return undefined;
      return facts.os ? `os is ${facts.os}, needs ${req.value}` : `os unknown, needs ${req.value}`;
    case "arch":
      if (facts.arch === req.value) return undefined;
      return facts.arch
        ? `arch is ${facts.arch}, needs ${req.value}`
        : `arch unknown, needs ${req.value}`;
    case "capability":
      return facts.capabilities.includes(req.value) ? undefined : `lacks capability ${req.value}`;
  }
}

/** "os=macos", "capability docker (inferred from docker)" — for reasons and errors. */
export function describeRequirement(req: Requirement): string {
  const what = req.kind === "capability" ? `capability ${req.value}` : `${req.kind}=${req.value}`;
  return req.source === "inferred" ? `${what} (inferred from ${req.because})` : what;
}
