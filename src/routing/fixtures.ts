// Synthetic node views for tests and the routing benchmark (no sampler, no network).
import type { NodeConfig } from "../config/load.ts";
import type { NodeHealth, NodeView, Thresholds } from "./types.ts";

export const DEFAULT_THRESHOLDS: Thresholds = { cpu_percent: 40, load_1m: 4, memory_percent: 80 };

export interface FakeNode {
  name: string;
  os?: "linux" | "macos";
  arch?: "x86_64" | "arm64";
  cores?: number;
  load?: number;
  cpu?: number;
  memory?: number;
  capabilities?: string[];
  specialties?: string[];
  health?: NodeHealth;
  running?: number;
  local?: boolean;
  /** false: no load sample yet. */
  sampled?: boolean;
  allow?: string[];
  deny?: string[];
}

export function fakeNode(n: FakeNode): NodeView {
  const os = n.os ?? "linux";
  const arch = n.arch ?? "x86_64";
  const cores = n.cores ?? 8;
  const config: NodeConfig = {
    name: n.name,
    host: `${n.name}.local`,
    os,
    arch,
    cores,
    capabilities: n.capabilities ?? [],
    specialties: n.specialties ?? [],
    user: "agent",
    port: 22,
    ...(n.allow ? { allow: n.allow } : {}),
    ...(n.deny ? { deny: n.deny } : {}),
  };
  const view: NodeView = {
    name: n.name,
    config,
    health: n.health ?? "healthy",
    running: n.running ?? 0,
    isLocal: n.local ?? false,
  };
  if (n.sampled !== false) {
    const load = n.load ?? 0.5;
    view.sample = {
      hostname: `${n.name}.local`,
      os,
      arch,
      cores,
      load_1m: load,
      load_5m: load,
      load_15m: load,
      cpu_percent: n.cpu ?? Math.min(100, Math.round((100 * load) / cores)),
      memory_percent: n.memory ?? 30,
      mem_total: 32 * 2 ** 30,
      sampled_at: 1_700_000_000_000,
    };
  }
  return view;
}

/** The origin's four-node cluster, idle, with mac-studio as this machine. */
export function originCluster(overrides: Record<string, Partial<FakeNode>> = {}): NodeView[] {
  const base: FakeNode[] = [
    {
      name: "macpro51",
      os: "linux",
      arch: "x86_64",
      cores: 24,
      capabilities: ["docker", "podman", "raid", "nvme", "compilation", "testing", "tpu"],
      specialties: ["compilation", "testing", "containerization", "benchmarking"],
    },
    {
      name: "mac-studio",
      os: "macos",
      arch: "arm64",
      cores: 20,
      capabilities: ["orchestration", "coordination", "temporal", "mlx-gpu", "arduino"],
      local: true,
    },
    {
      name: "macbook-air",
      os: "macos",
      arch: "arm64",
      cores: 8,
      capabilities: ["research", "documentation", "analysis"],
    },
    {
      name: "inference",
      os: "macos",
      arch: "arm64",
      cores: 12,
      capabilities: ["ollama", "inference", "model-serving", "llm-api"],
      specialties: ["inference"],
    },
  ];
  return base.map((n) => fakeNode({ ...n, ...overrides[n.name] }));
}

/** `count` nodes of mixed os/arch/capabilities and load, node-000 being local. */
export function syntheticInventory(count: number): NodeView[] {
  const caps = ["docker", "podman", "ollama", "gpu", "nvme", "compilation", "testing"];
  return Array.from({ length: count }, (_, i) =>
    fakeNode({
      name: `node-${String(i).padStart(3, "0")}`,
      os: i % 3 === 0 ? "macos" : "linux",
      arch: i % 2 === 0 ? "arm64" : "x86_64",
      cores: 4 + (i % 5) * 4,
      load: (i * 7919) % 13,
      memory: 20 + ((i * 31) % 70),
      capabilities: caps.filter((_, k) => (i + k) % 3 === 0),
      specialties: i % 4 === 0 ? ["compilation"] : [],
      health:
        i === 0 ? "healthy" : i % 17 === 0 ? "unreachable" : i % 11 === 0 ? "unknown" : "healthy",
      running: i % 4,
      local: i === 0,
    }),
  );
}
