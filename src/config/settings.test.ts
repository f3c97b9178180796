import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS } from "./settings.ts";

test("every setting is in the README configuration table, with its key and default", () => {
  const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
  for (const [key, def] of Object.entries(SETTINGS)) {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${def.env}\` |`));
    expect(row, `README row for ${def.env}`).toBeDefined();
    expect(row).toContain(`\`${key}\``);
    if (def.default !== undefined) expect(row).toContain(`| ${def.default} |`);
  }
});
