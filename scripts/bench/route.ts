// Routing benchmark: one decision (parse + policy + choose) on a 100-node synthetic inventory.
// Prints median and p95 in µs. Run: npx bun scripts/bench/route.ts [iterations]
import { chooseNode } from "../../src/routing/choose.ts";
import type { ChooseInput } from "../../src/routing/types.ts";
import { DEFAULT_THRESHOLDS, syntheticInventory } from "../../test/fixtures/routing.ts";

const NODES = 100;
const iterations = Number(process.argv[2] ?? 20_000);
const nodes = syntheticInventory(NODES);

/** A mix an agent sends: light, heavy, with requirements, obfuscated, refused. */
const CASES: Omit<ChooseInput, "nodes" | "thresholds">[] = [
  { command: "ls -la" },
  { command: "python3 train.py --epochs 3" },
  { command: "cd build && cmake .. && make -j8 2>&1 | tail -50" },
  { command: "npm ci && npm test" },
  { command: "docker build -t app . && docker push app" },
  { command: "grep -rn 'TODO' src/ | head -20" },
  { command: "ollama run llama3 'hello'", requirements: { requires_os: "macos" } },
  {
    command: "cargo build --release",
    requirements: { requires_arch: "arm64", requires_capabilities: ["nvme"] },
  },
  { command: "bash -c 'make -j4 && make test'" },
  { command: "a=rm; $a -rf /" },
];

function measure(input: ChooseInput): number {
  const start = Bun.nanoseconds();
  chooseNode(input);
  return (Bun.nanoseconds() - start) / 1000;
}

const inputs: ChooseInput[] = CASES.map((c) => ({
  ...c,
  nodes,
  thresholds: DEFAULT_THRESHOLDS,
}));
for (let i = 0; i < 2000; i++) measure(inputs[i % inputs.length] as ChooseInput); // JIT warm-up

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const all: number[] = [];
console.log(`routing decision, ${NODES}-node inventory, ${iterations} runs per case`);
console.log("median µs   p95 µs   decision  command");
for (const input of inputs) {
  const times = Array.from({ length: Math.ceil(iterations / inputs.length) }, () =>
    measure(input),
  ).sort((a, b) => a - b);
  all.push(...times);
  const d = chooseNode(input);
  const row = `${percentile(times, 0.5).toFixed(1).padStart(10)} ${percentile(times, 0.95).toFixed(1).padStart(8)}   ${d.decision.padEnd(8)}  ${input.command}`;
  console.log(row);
}
all.sort((a, b) => a - b);
console.log(
  `all cases: median ${percentile(all, 0.5).toFixed(1)} µs, p95 ${percentile(all, 0.95).toFixed(1)} µs`,
);
