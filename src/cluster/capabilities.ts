// Capabilities a node has without anyone writing them down: the tools on its PATH and its devices.
// One table drives the in-process probe, the POSIX probe script and the NO_NODE explanation.
import { existsSync } from "node:fs";
import type { Os } from "../config/schema.ts";

export interface Detector {
  /** The capability word routing matches (`requires_capabilities`, inferred requirements). */
  capability: string;
  /** Found when any of these is on the PATH. */
  tools: string[];
  /** ...or any of these device files exists. */
  devices?: string[];
  /** On macOS only with Xcode: /usr/bin/swift and xcodebuild are stubs that ask to install it. */
  needsXcode?: boolean;
}

export const DETECTORS: Detector[] = [
  { capability: "docker", tools: ["docker"] },
  { capability: "podman", tools: ["podman"] },
  { capability: "kubectl", tools: ["kubectl"] },
  { capability: "gpu", tools: ["nvidia-smi"], devices: ["/dev/nvidia0"] },
  { capability: "ollama", tools: ["ollama"] },
  { capability: "swift", tools: ["swift"], needsXcode: true },
  { capability: "xcode", tools: ["xcodebuild"], needsXcode: true },
  { capability: "bwrap", tools: ["bwrap"] },
  { capability: "slurm", tools: ["srun", "sbatch"] },
];

/** Every tool name the probes look for, once. */
export const PROBED_TOOLS = [...new Set(DETECTORS.flatMap((d) => d.tools))];
export const PROBED_DEVICES = [...new Set(DETECTORS.flatMap((d) => d.devices ?? []))];

/**
 * What was found on a node, as the probes report it: tool names and device paths present, and on
 * macOS whether Xcode (or its command line tools) is installed.
 */
export interface Found {
  present: string[];
  os: Os;
  xcode?: boolean;
}

/** The capabilities a node's findings give, sorted. */
export function capabilitiesFrom(found: Found): string[] {
  const present = new Set(found.present);
  const out: string[] = [];
  for (const d of DETECTORS) {
    if (d.needsXcode && found.os === "macos" && !found.xcode) continue;
    if (d.tools.some((t) => present.has(t)) || d.devices?.some((p) => present.has(p)))
      out.push(d.capability);
  }
  return out.sort();
}

/** This machine's capabilities: Bun.which over the PATH the commands here run with. */
export function detectLocalCapabilities(os: Os): string[] {
  const present = [
    ...PROBED_TOOLS.filter((t) => Bun.which(t) !== null),
    ...PROBED_DEVICES.filter((p) => existsSync(p)),
  ];
  const xcode =
    os === "macos" && present.some((t) => t === "swift" || t === "xcodebuild")
      ? xcodeInstalled()
      : undefined;
  return capabilitiesFrom({ present, os, xcode });
}

let hasXcode: boolean | undefined;
/** Asked once per process: installing Xcode is rare, and every sample would pay a spawn. */
function xcodeInstalled(): boolean {
  hasXcode ??=
    Bun.spawnSync(["xcode-select", "-p"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  return hasXcode;
}

/** The part of the POSIX probe script that lists what it finds, one name per line. */
export function toolsProbeScript(): string {
  const tools = PROBED_TOOLS.join(" ");
  const devices = PROBED_DEVICES.map((p) => `[ -e ${p} ] && echo ${p}`).join("\n");
  return `echo @@tools
for t in ${tools}; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done
${devices}
if [ "$(uname -s)" = Darwin ]; then xcode-select -p >/dev/null 2>&1 && echo @xcode; fi
`;
}

/** Parses the lines toolsProbeScript printed. */
export function parseToolsSection(text: string, os: Os): string[] {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return capabilitiesFrom({
    present: lines.filter((l) => l !== "@xcode"),
    os,
    xcode: lines.includes("@xcode"),
  });
}

/** The tools that give a capability, for explanations ("docker was not found on ..."). */
export function toolsFor(capability: string): string[] {
  return DETECTORS.find((d) => d.capability === capability)?.tools ?? [];
}

/** Configured first (as written), then what was detected and not configured. */
export function mergeCapabilities(configured: string[], detected: string[] | undefined): string[] {
  const out = configured.map((c) => c.toLowerCase());
  for (const c of detected ?? []) if (!out.includes(c)) out.push(c);
  return out;
}
