// This machine's load sample: what `cluster-exec probe --json` prints and remote sampling reads.
import { readFileSync } from "node:fs";
import os from "node:os";
import si from "systeminformation";
import { detectLocalFacts } from "../config/local-facts.ts";
import type { Arch, Os } from "../config/schema.ts";
import { detectSandboxTool } from "../sandbox/detect.ts";
import type { SandboxTool } from "../sandbox/levels.ts";
import type { PartitionSample } from "../slurm/sinfo.ts";
import { detectLocalCapabilities } from "./capabilities.ts";

export interface LoadSample {
  hostname: string;
  os: Os;
  arch: Arch;
  cores: number;
  load_1m: number;
  load_5m: number;
  load_15m: number;
  cpu_percent: number;
  memory_percent: number;
  /** Bytes. */
  mem_total: number;
  /** What runs can be sandboxed with there (absent in samples from older versions). */
  sandbox?: SandboxTool;
  /** Capabilities found on the node (tools on its PATH, devices); absent from older probes. */
  capabilities?: string[];
  /** Static facts, informational. */
  cpu_model?: string;
  os_release?: string;
  /** A Slurm partition's own figures (kind = "slurm" nodes): idle CPUs, queue, features. */
  slurm?: PartitionSample;
}

const CPU_WINDOW_MS = 100;

export async function probeLocal(): Promise<LoadSample> {
  const sample = await sampleLocal();
  // Static facts only after the CPU window: the processes systeminformation spawns would count as load.
  const st = await Promise.all([si.cpu(), si.osInfo()]).catch(() => undefined);
  return {
    ...sample,
    cpu_model: st ? `${st[0].manufacturer} ${st[0].brand}`.trim() : undefined,
    os_release: st ? `${st[1].distro} ${st[1].release}`.trim() : undefined,
  };
}

/** The load sample without the static extras: cheap enough to take every few seconds. */
export async function sampleLocal(): Promise<LoadSample> {
  const facts = detectLocalFacts();
  const dynamic = process.platform === "linux" ? await probeLinux() : await probeMac();
  return {
    hostname: facts.hostname,
    os: facts.os,
    arch: facts.arch,
    cores: facts.cores,
    sandbox: detectSandboxTool(),
    ...dynamic,
    capabilities: detectLocalCapabilities(facts.os),
  };
}

export type Dynamic = Pick<
  LoadSample,
  "load_1m" | "load_5m" | "load_15m" | "cpu_percent" | "memory_percent" | "mem_total"
>;

/** /proc/stat counts in USER_HZ ticks, 100 per second on every Linux that matters. */
const TICK_US = 10_000;

async function probeLinux(): Promise<Dynamic> {
  const first = parseProcStat(readFileSync("/proc/stat", "latin1"));
  const ownBefore = process.cpuUsage();
  await Bun.sleep(CPU_WINDOW_MS);
  const second = parseProcStat(readFileSync("/proc/stat", "latin1"));
  // Our own CPU time (starting up, serving) is not load that should move work elsewhere.
  const own = process.cpuUsage(ownBefore);
  const ownTicks = (own.user + own.system) / TICK_US;
  second.busy = Math.max(first.busy, second.busy - ownTicks);
  return dynamicSample(
    parseLoadavg(readFileSync("/proc/loadavg", "latin1")),
    cpuPercent(first, second),
    parseMeminfo(readFileSync("/proc/meminfo", "latin1")),
  );
}

/** The changing part of a sample, from what the platform's parsers read. */
export function dynamicSample(
  [load_1m, load_5m, load_15m]: [number, number, number],
  cpu_percent: number,
  mem: { total: number; percent: number },
): Dynamic {
  return {
    load_1m,
    load_5m,
    load_15m,
    cpu_percent,
    memory_percent: mem.percent,
    mem_total: mem.total,
  };
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (![a, b, c].every((n) => Number.isFinite(n)))
    throw new Error(`unreadable loadavg: ${text.slice(0, 80)}`);
  return [a as number, b as number, c as number];
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/** The aggregate "cpu" line: user nice system idle iowait irq softirq steal (guest is inside user). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("no aggregate cpu line in /proc/stat");
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((s, n) => s + n, 0);
  return { busy: total - idle, total };
}

export function cpuPercent(a: CpuTimes, b: CpuTimes): number {
  const total = b.total - a.total;
  if (total <= 0) return 0;
  return round1((100 * (b.busy - a.busy)) / total);
}

export function parseMeminfo(text: string): { total: number; percent: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = kb("MemTotal");
  if (!total) throw new Error("no MemTotal in /proc/meminfo");
  const available =
    kb("MemAvailable") ?? (kb("MemFree") ?? 0) + (kb("Cached") ?? 0) + (kb("Buffers") ?? 0);
  return { total: total * 1024, percent: round1(100 * (1 - available / total)) };
}

/** macOS: sysctl and vm_stat (no /proc). */
async function probeMac(): Promise<Dynamic> {
  const text = async (cmd: string[]) => (await Bun.$`${cmd}`.quiet().nothrow()).stdout.toString();
  const [loadavg, memsize, vmstat, cpu] = await Promise.all([
    text(["sysctl", "-n", "vm.loadavg"]),
    text(["sysctl", "-n", "hw.memsize"]),
    text(["vm_stat"]),
    text(["ps", "-A", "-o", "%cpu="]),
  ]);
  return dynamicSample(
    parseSysctlLoadavg(loadavg),
    psCpuPercent(cpu, os.availableParallelism()),
    parseVmStat(vmstat, Number(memsize.trim()) || os.totalmem()),
  );
}

/** `sysctl -n vm.loadavg` prints "{ 1.23 1.10 0.98 }". */
export function parseSysctlLoadavg(text: string): [number, number, number] {
  return parseLoadavg(text.replace(/[{}]/g, " "));
}

/** Used memory from vm_stat: everything but free, inactive and speculative pages. */
export function parseVmStat(text: string, totalBytes: number): { total: number; percent: number } {
  if (!(totalBytes > 0)) throw new Error("no hw.memsize");
  const pageSize = Number(/page size of (\d+)/.exec(text)?.[1] ?? 4096);
  const pages = (name: string, required = true) => {
    const m = new RegExp(`${name}:\\s+(\\d+)`).exec(text);
    if (!m && required) throw new Error(`no "${name}" in vm_stat output`);
    return Number(m?.[1] ?? 0);
  };
  const available =
    (pages("Pages free") + pages("Pages inactive") + pages("Pages speculative", false)) * pageSize;
  return { total: totalBytes, percent: round1(Math.min(100, 100 * (1 - available / totalBytes))) };
}

/** Sum of `ps -A -o %cpu=` over the cores (macOS has no /proc/stat to diff). */
export function psCpuPercent(text: string, cores: number): number {
  const sum = text.split("\n").reduce((s, l) => s + (Number(l.trim()) || 0), 0);
  return round1(Math.min(100, sum / Math.max(1, cores)));
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
