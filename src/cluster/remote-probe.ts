// Sampling a node over SSH: `cluster-exec probe --json` where the node has it, else a POSIX script
// (Linux /proc, macOS sysctl/vm_stat) whose output is parsed here with probe.ts's parsers.

import type { Arch, Os } from "../config/schema.ts";
import { SANDBOX_PROBE_SCRIPT } from "../sandbox/detect.ts";
import { SANDBOX_TOOLS, type SandboxTool } from "../sandbox/levels.ts";
import { shellQuote } from "../shell/quote.ts";
import { parseToolsSection, toolsProbeScript } from "./capabilities.ts";
import {
  cpuPercent,
  dynamicSample,
  type LoadSample,
  parseLoadavg,
  parseMeminfo,
  parseProcStat,
  parseSysctlLoadavg,
  parseVmStat,
  psCpuPercent,
} from "./probe.ts";

/**
 * In-process, pushed by the node's resident agent, `cluster-exec probe`, the POSIX script, or
 * sinfo (a Slurm partition).
 */
export type SampleMethod = "local" | "agent" | "probe" | "script" | "sinfo";

/**
 * The command sent to the node: one shell line, POSIX sh, no bashisms. The tools come first and
 * always: a node's older cluster-exec may not report them. `sandbox: false` leaves out the sandbox
 * check (it starts bwrap: the sampler asks for it now and then, not every few seconds).
 */
export function remoteProbeScript(binaryPath?: string, opts: { sandbox?: boolean } = {}): string {
  const candidates = [binaryPath, "cluster-exec"]
    .filter(Boolean)
    .map((c) => homeQuote(c as string));
  return `${toolsProbeScript()}for c in ${candidates.join(" ")}; do
  if p=$(command -v "$c" 2>/dev/null); then
    if out=$("$p" probe --json 2>/dev/null); then
      echo @@via; printf '%s\\n' "$p"; echo @@probe; printf '%s\\n' "$out"; exit 0
    fi
  fi
done
echo @@os; uname -s
echo @@arch; uname -m
echo @@hostname; hostname 2>/dev/null || uname -n
echo @@cores; getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || sysctl -n hw.ncpu
${opts.sandbox === false ? "" : `echo @@sandbox\n${SANDBOX_PROBE_SCRIPT}\n`}case "$(uname -s)" in
Linux)
  echo @@stat1; head -n 1 /proc/stat
  sleep 0.2 2>/dev/null || sleep 1
  echo @@stat2; head -n 1 /proc/stat
  echo @@loadavg; cat /proc/loadavg
  echo @@meminfo; cat /proc/meminfo ;;
Darwin)
  echo @@loadavg; sysctl -n vm.loadavg
  echo @@memsize; sysctl -n hw.memsize
  echo @@vmstat; vm_stat
  echo @@pscpu; ps -A -o %cpu= ;;
esac
`;
}

/** A path for the node's shell: `~/x` as "$HOME"/'x' (quoted, so `~` would stay literal). */
export function homeQuote(path: string): string {
  return path.startsWith("~/") ? `"$HOME"/${shellQuote(path.slice(2))}` : shellQuote(path);
}

/**
 * Parses what remoteProbeScript printed; throws with a reason a person can act on. `via` is the
 * cluster-exec that answered, when one did.
 */
export function parseRemoteProbe(stdout: string): {
  sample: LoadSample;
  method: SampleMethod;
  via?: string;
} {
  const sections = splitSections(stdout);
  const tools = sections.get("tools");
  const probe = sections.get("probe");
  if (probe !== undefined) {
    const sample = parseProbeJson(probe);
    if (tools !== undefined)
      sample.capabilities = [
        ...new Set([...(sample.capabilities ?? []), ...parseToolsSection(tools, sample.os)]),
      ].sort();
    const via = sections.get("via")?.trim();
    return { sample, method: "probe", ...(via ? { via } : {}) };
  }
  const need = (name: string) => {
    const v = sections.get(name);
    if (v === undefined || v.trim() === "") throw new Error(`probe script printed no ${name}`);
    return v;
  };
  const kernel = need("os").trim();
  const os = osFromUname(kernel);
  const cores = Number(need("cores").trim());
  if (!Number.isInteger(cores) || cores < 1)
    throw new Error(`unreadable core count: ${need("cores")}`);
  const base = {
    hostname: need("hostname").trim(),
    os,
    arch: archFromUname(need("arch").trim()),
    cores,
    ...sandboxField(sections.get("sandbox")),
  };
  const dynamic =
    os === "linux"
      ? dynamicSample(
          parseLoadavg(need("loadavg")),
          cpuPercent(parseProcStat(need("stat1")), parseProcStat(need("stat2"))),
          parseMeminfo(need("meminfo")),
        )
      : dynamicSample(
          parseSysctlLoadavg(need("loadavg")),
          psCpuPercent(sections.get("pscpu") ?? "", cores),
          parseVmStat(need("vmstat"), Number(need("memsize").trim())),
        );
  const capabilities = tools === undefined ? undefined : parseToolsSection(tools, os);
  return {
    method: "script",
    sample: { ...base, ...dynamic, ...(capabilities ? { capabilities } : {}) },
  };
}

/** The sandbox section (or the probe JSON's field): only a known tool name counts. */
function sandboxField(v: unknown): { sandbox?: SandboxTool } {
  const tool = typeof v === "string" ? v.trim() : undefined;
  return SANDBOX_TOOLS.includes(tool as SandboxTool) ? { sandbox: tool as SandboxTool } : {};
}

function splitSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) out.set(current, lines.join("\n"));
  };
  for (const line of text.split("\n")) {
    const m = /^@@([a-z0-9]+)$/.exec(line.trim());
    if (m) {
      flush();
      current = m[1] as string;
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return out;
}

const NUMBERS = [
  "cores",
  "load_1m",
  "load_5m",
  "load_15m",
  "cpu_percent",
  "memory_percent",
  "mem_total",
];

function parseProbeJson(text: string): LoadSample {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`cluster-exec probe --json printed no JSON: ${text.slice(0, 80)}`);
  }
  return checkProbeSample(v);
}

/** A sample as `probe --json` (or the agent) gives it, checked field by field. */
export function checkProbeSample(value: unknown): LoadSample {
  if (typeof value !== "object" || value === null)
    throw new Error("cluster-exec probe --json: not an object");
  const v = value as Record<string, unknown>;
  for (const k of NUMBERS)
    if (typeof v[k] !== "number" || !Number.isFinite(v[k]))
      throw new Error(`cluster-exec probe --json: ${k} missing or not a number`);
  if (v.os !== "linux" && v.os !== "macos")
    throw new Error(`cluster-exec probe --json: os ${String(v.os)}`);
  if (v.arch !== "x86_64" && v.arch !== "arm64")
    throw new Error(`cluster-exec probe --json: arch ${String(v.arch)}`);
  if (
    v.capabilities !== undefined &&
    !(Array.isArray(v.capabilities) && v.capabilities.every((c) => typeof c === "string"))
  )
    throw new Error("cluster-exec probe --json: capabilities is not a list of words");
  const program = v.cluster_exec as Record<string, unknown> | undefined;
  // Informational: an odd value is dropped, never a reason to lose the sample.
  if (
    program !== undefined &&
    (typeof program !== "object" || typeof program?.version !== "string")
  )
    delete v.cluster_exec;
  const { sandbox: _, ...rest } = v;
  return { ...rest, ...sandboxField(v.sandbox) } as unknown as LoadSample;
}

export function osFromUname(kernel: string): Os {
  if (kernel === "Linux") return "linux";
  if (kernel === "Darwin") return "macos";
  throw new Error(`unsupported OS ${JSON.stringify(kernel)} (expected Linux or Darwin)`);
}

export function archFromUname(machine: string): Arch {
  const m = machine.toLowerCase();
  if (m === "x86_64" || m === "amd64") return "x86_64";
  if (m === "arm64" || m === "aarch64") return "arm64";
  throw new Error(`unsupported architecture ${JSON.stringify(machine)} (expected x86_64 or arm64)`);
}
