// `version`, `--help` and the thin front load only what they need: what their modules import at
// load time (dynamic imports run only for the verb that needs them) reaches no package but Node's
// built-ins, and none of the schema, SSH, MCP or HTTP code.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = join(import.meta.dir, "..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Files and packages reached from `root` through static value imports (type-only ones vanish). */
function staticClosure(root: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8").replace(/^#!.*\n/, "");
    for (const i of transpiler.scanImports(text)) {
      if (i.kind !== "import-statement" || i.path.endsWith(".json")) continue;
      if (i.path.startsWith(".")) walk(resolve(dirname(file), i.path));
      else packages.add(i.path);
    }
  };
  walk(join(SRC, root));
  return { files: [...files].map((f) => relative(SRC, f)), packages: [...packages] };
}

const HEAVY =
  /^(ssh|openssh|mcp|transports|run|cluster|tasks|routing)\/|^config\/(build|schema|settings)\.ts$/;

describe("what loads before a verb is chosen", () => {
  for (const root of ["cli.ts", "cli/version.ts", "cli/front.ts"])
    test(`${root}: Node built-ins only, no heavy module`, () => {
      const { files, packages } = staticClosure(root);
      expect(packages.filter((p) => !p.startsWith("node:"))).toEqual([]);
      expect(files.filter((f) => HEAVY.test(f))).toEqual([]);
    });

  test("the walk sees what a verb module pulls in (so the check above can fail)", () => {
    const { files, packages } = staticClosure("cli/run.ts");
    expect(packages.some((p) => !p.startsWith("node:"))).toBe(true);
    expect(files.some((f) => HEAVY.test(f))).toBe(true);
  });
});
