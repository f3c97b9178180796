// The routing flags shared by run, route and submit: --node, --os, --arch, --cap (repeatable).

import { ClusterError } from "../errors.ts";
import type { ExplicitRequirements } from "../routing/requirements.ts";
import { resolveRequirements } from "../routing/requirements.ts";
import { isSandboxLevel, SANDBOX_LEVELS, type SandboxLevel } from "../sandbox/levels.ts";

export const ROUTING_FLAGS = {
  node: { type: "string" },
  os: { type: "string" },
  arch: { type: "string" },
  cap: { type: "string", multiple: true },
  sandbox: { type: "string" },
} as const;

export const ROUTING_HELP = `  --node NAME   run on this node (else the router picks by load and requirements)
  --os OS       only nodes with this OS: linux | macos (darwin)
  --arch ARCH   only nodes with this CPU: x86_64 | arm64 (amd64, aarch64)
  --cap C       only nodes with capability C (repeatable)
  --sandbox L   run inside the OS sandbox: system | workspace (only tightens the node's own
                setting; only nodes that have one: bwrap on Linux, sandbox-exec on macOS)`;

/** --sandbox, checked now (a typo is a usage error up front). */
export function sandboxFromFlag(v: string | undefined): SandboxLevel | undefined {
  if (v === undefined) return undefined;
  if (!isSandboxLevel(v))
    throw new ClusterError(
      "USAGE",
      `--sandbox: got ${JSON.stringify(v)}, expected one of ${SANDBOX_LEVELS.join(", ")}`,
    );
  return v;
}

/** The requirements the flags ask for (validated now, so a typo is a usage error up front). */
export function requirementsFromFlags(v: {
  os?: string;
  arch?: string;
  cap?: string[];
}): ExplicitRequirements | undefined {
  const req: ExplicitRequirements = {
    requires_os: v.os,
    requires_arch: v.arch,
    requires_capabilities: v.cap,
  };
  if (!v.os && !v.arch && !v.cap?.length) return undefined;
  try {
    resolveRequirements(req, []);
  } catch (err) {
    // The router names its parameters requires_os...; on the command line they are flags.
    if (err instanceof ClusterError)
      throw new ClusterError(
        "USAGE",
        err.message.replace(
          /^requires_(os|arch|capabilities)/,
          (_, k) => `--${k === "capabilities" ? "cap" : k}`,
        ),
      );
    throw err;
  }
  return req;
}
