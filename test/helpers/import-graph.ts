// The import graph of src/ and the layering rules it must keep: read with Bun.Transpiler's
// scanImports (type-only imports included: a type is a dependency too), checked by a pure function.

import { dirname, join, normalize } from "node:path";
import { Glob } from "bun";

export interface Edge {
  /** Importing file, relative to src/ (e.g. "routing/choose.ts"). */
  from: string;
  /** Imported file, relative to src/. */
  to: string;
}

/** The floor of a file: its top folder, or the file's own name for the top-level modules. */
export function floorOf(file: string): string {
  const [head, ...rest] = file.split("/");
  if (rest.length > 0) return head as string;
  return (head as string).replace(/\.tsx?$/, "");
}

export interface Rule {
  from: string;
  /** Floors `from` must not import. */
  forbidden?: string[];
  /** Or: the only floors `from` may import (besides itself). */
  only?: string[];
}

export interface Violation {
  edge: Edge;
  why: string;
}

/** Every edge that breaks a rule, and every edge that closes an import cycle between two floors. */
export function findViolations(edges: Edge[], rules: Rule[]): Violation[] {
  const out: Violation[] = [];
  for (const edge of edges) {
    const a = floorOf(edge.from);
    const b = floorOf(edge.to);
    if (a === b) continue;
    for (const r of rules) {
      if (r.from !== a) continue;
      if (r.forbidden?.includes(b)) out.push({ edge, why: `${a} must not import ${b}` });
      if (r.only && !r.only.includes(b))
        out.push({ edge, why: `${a} may import only ${r.only.join(", ") || "nothing"}` });
    }
  }
  // Floors that reach each other are one strongly connected component: every edge inside one
  // (between two different floors) closes a cycle.
  const floorGraph = edges
    .map((e) => ({ from: floorOf(e.from), to: floorOf(e.to), edge: e }))
    .filter((f) => f.from !== f.to);
  const ring = new Map<string, number>();
  stronglyConnected(floorGraph).forEach((scc, i) => {
    for (const floor of scc) ring.set(floor, i);
  });
  for (const f of floorGraph)
    if (ring.has(f.from) && ring.get(f.from) === ring.get(f.to))
      out.push({ edge: f.edge, why: `import cycle between ${f.from} and ${f.to}` });
  return out;
}

/** Files that import each other, directly or through others: each cycle once, as its files. */
export function fileCycles(edges: Edge[]): string[][] {
  return stronglyConnected(edges);
}

/** Tarjan's strongly connected components of more than one vertex, each sorted. */
function stronglyConnected(edges: { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Relative imports of every non-test source file under `root`, type-only imports included. */
export async function readImportGraph(root: string): Promise<Edge[]> {
  const transpilers = {
    ts: new Bun.Transpiler({ loader: "ts" }),
    tsx: new Bun.Transpiler({ loader: "tsx" }), // JSX (the status page) is not TypeScript's syntax
  };
  const edges: Edge[] = [];
  for await (const file of new Glob("**/*.{ts,tsx}").scan(root)) {
    if (/\.(test|d)\.tsx?$/.test(file)) continue;
    const text = await Bun.file(join(root, file)).text();
    const transpiler = file.endsWith(".tsx") ? transpilers.tsx : transpilers.ts;
    for (const imp of transpiler.scanImports(withTypeImports(text))) {
      if (!imp.path.startsWith(".")) continue;
      const to = normalize(join(dirname(file), imp.path));
      // Outside src/ (package.json for the version): data, not a floor.
      if (!to.startsWith("..")) edges.push({ from: file, to });
    }
  }
  return edges.sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
}

/**
 * scanImports drops type-only imports (they vanish at run time), but a type is a dependency of
 * the reader too: turn `import type`, `export type {` and `{ type X }` into plain imports first.
 */
export function withTypeImports(text: string): string {
  return text
    .replace(/^#!.*/, "")
    .replace(/\bimport\s+type\s+/g, "import ")
    .replace(/\bexport\s+type\s+(?=[{*])/g, "export ")
    .replace(/(\b(?:import|export)\s*\{[^}]*\})/g, (m) => m.replace(/([{,]\s*)type\s+/g, "$1"));
}
