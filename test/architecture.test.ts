// The floors of src/ as a test: an import only points down, never between floors in a cycle.
// Adapters added later (other transports, other backends) get their row here in the same change.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  type Edge,
  fileCycles,
  findViolations,
  type Rule,
  readImportGraph,
  withTypeImports,
} from "./helpers/import-graph.ts";

/** Top to bottom (STYLE.md). A floor may import only the floors below it. */
const FLOORS = [
  "cli",
  "transports",
  "mcp",
  "run",
  "files",
  "tasks",
  "routing",
  "policy",
  "cluster",
  "ssh",
  "openssh",
  "slurm",
  "agent",
  "remote",
  "discovery",
  "exec",
  "sandbox",
  "state",
  "shell",
  "config",
  "version",
  "abort",
  "errors",
];

/** The rules the structure issue names, each stated on its own so a failure says which. */
const NAMED: Rule[] = [
  { from: "shell", only: ["errors"] },
  { from: "config", only: ["errors"] },
  { from: "policy", forbidden: ["routing"] },
  { from: "exec", forbidden: ["ssh", "openssh", "slurm", "cluster", "run", "mcp", "tasks"] },
  { from: "ssh", forbidden: ["cli", "openssh", "slurm"] },
  { from: "openssh", forbidden: ["cli", "slurm"] },
  { from: "slurm", forbidden: ["cli"] },
  { from: "agent", forbidden: ["ssh", "openssh", "slurm", "cluster", "run", "cli"] },
  { from: "remote", forbidden: ["ssh", "openssh", "slurm", "cli"] },
  { from: "cluster", forbidden: ["cli"] },
  { from: "tasks", forbidden: ["mcp"] },
  { from: "mcp", forbidden: ["run", "transports"] },
  { from: "files", forbidden: ["ssh", "openssh", "slurm", "run", "mcp"] },
  { from: "routing", forbidden: ["ssh", "openssh", "slurm", "discovery", "tasks", "run"] },
];

/** Each floor may import only what lies below it. */
function floorRules(floors: string[]): Rule[] {
  return floors.map((from, i) => ({ from, only: floors.slice(i + 1) }));
}

const RULES = [...NAMED, ...floorRules(FLOORS)];

function describeViolations(edges: Edge[], rules: Rule[]): string[] {
  return [
    ...new Set(findViolations(edges, rules).map((v) => `${v.edge.from} → ${v.edge.to}: ${v.why}`)),
  ];
}

describe("the layers of src/", () => {
  test("no import breaks a floor rule or closes a cycle between floors", async () => {
    const edges = await readImportGraph(join(import.meta.dir, "..", "src"));
    expect(edges.length).toBeGreaterThan(100);
    expect(describeViolations(edges, RULES)).toEqual([]);
  });

  test("no two files import each other, directly or in a ring", async () => {
    const edges = await readImportGraph(join(import.meta.dir, "..", "src"));
    expect(fileCycles(edges)).toEqual([]);
  });

  test("every folder of src/ has its floor", async () => {
    const edges = await readImportGraph(join(import.meta.dir, "..", "src"));
    const floors = new Set(
      edges.flatMap((e) => [e.from, e.to]).map((f) => f.split("/")[0]?.replace(/\.tsx?$/, "")),
    );
    expect([...floors].filter((f) => f !== undefined && !FLOORS.includes(f))).toEqual([]);
  });

  test("only cli.ts imports the CLI", async () => {
    const edges = await readImportGraph(join(import.meta.dir, "..", "src"));
    const into = edges.filter((e) => e.to.startsWith("cli/") && !e.from.startsWith("cli/"));
    expect(new Set(into.map((e) => e.from))).toEqual(new Set(["cli.ts"]));
  });
});

describe("the checker itself, on a small synthetic graph", () => {
  const clean: Edge[] = [
    { from: "cli.ts", to: "cli/run.ts" },
    { from: "cli/run.ts", to: "run/runtime.ts" },
    { from: "run/runtime.ts", to: "routing/choose.ts" },
    { from: "routing/choose.ts", to: "policy/check.ts" },
    { from: "policy/check.ts", to: "shell/parse.ts" },
    { from: "shell/parse.ts", to: "errors.ts" },
  ];

  test("a clean graph passes", () => {
    expect(describeViolations(clean, RULES)).toEqual([]);
  });

  test("a forbidden import is named with its file and target", () => {
    const bad = [...clean, { from: "policy/rules.ts", to: "routing/glob.ts" }];
    expect(describeViolations(bad, RULES)).toContain(
      "policy/rules.ts → routing/glob.ts: policy must not import routing",
    );
  });

  test("an upward import breaks the floor order", () => {
    const bad = [...clean, { from: "ssh/executor.ts", to: "cli/args.ts" }];
    expect(describeViolations(bad, RULES)).toContain(
      "ssh/executor.ts → cli/args.ts: ssh must not import cli",
    );
  });

  test("the ground floor imports nothing but errors", () => {
    const bad = [...clean, { from: "shell/quote.ts", to: "config/load.ts" }];
    expect(describeViolations(bad, RULES)).toContain(
      "shell/quote.ts → config/load.ts: shell may import only errors",
    );
  });

  test("a cycle between two floors is found, whatever the rules", () => {
    const cyclic = [
      { from: "a/x.ts", to: "b/y.ts" },
      { from: "b/y.ts", to: "c/z.ts" },
      { from: "c/z.ts", to: "a/w.ts" },
      { from: "a/w.ts", to: "a/x.ts" },
    ];
    const found = describeViolations(cyclic, []);
    expect(found).toEqual([
      "a/x.ts → b/y.ts: import cycle between a and b",
      "b/y.ts → c/z.ts: import cycle between b and c",
      "c/z.ts → a/w.ts: import cycle between c and a",
    ]);
  });

  test("a ring of files is found", () => {
    const ring = [
      { from: "ssh/connection.ts", to: "ssh/reaper.ts" },
      { from: "ssh/reaper.ts", to: "ssh/connection.ts" },
      { from: "ssh/pool.ts", to: "ssh/connection.ts" },
    ];
    expect(fileCycles(ring)).toEqual([["ssh/connection.ts", "ssh/reaper.ts"]]);
  });

  test("type-only imports count: they are read as imports", () => {
    const text =
      'import type { A } from "./a.ts";\nimport { type B, c } from "./b.ts";\nexport type { D } from "./d.ts";\nexport type E = string;';
    const paths = new Bun.Transpiler({ loader: "ts" })
      .scanImports(withTypeImports(text))
      .map((i) => i.path);
    expect(paths).toEqual(["./a.ts", "./b.ts", "./d.ts"]);
  });
});
