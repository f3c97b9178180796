// A command line longer than one argument may be (Linux: 128 KiB) run on this machine through the
// whole pipeline: analysed, staged in ~/.cache/cluster-exec/run, run by the bootstrap, removed.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { createRuntime } from "../../src/run/runtime.ts";

const home = mkdtempSync(join(tmpdir(), "ce-long-local-"));
const config = loadConfig({
  env: { HOME: home, CLUSTER_STATE_DIR: join(home, "state"), PATH: process.env.PATH },
});
const rt = createRuntime(config);
afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

describe("a long command line on this machine", () => {
  test("a 300 KB heredoc writes its file and the staged copy is gone", async () => {
    const body = "line of text with 'quotes' and $dollars and `ticks` \\ \n".repeat(5500);
    const out = join(home, "written.txt");
    const command = `cat > ${out} <<'EOF'\n${body}EOF\nsha256sum ${out} | cut -c1-64`;
    expect(command.length).toBeGreaterThan(300_000);
    const r = await rt.run({ command, requester: "cli" });
    expect(r).toMatchObject({ exit_code: 0, stderr: "" });
    expect(r.stdout).toBe(`${createHash("sha256").update(body).digest("hex")}\n`);
    expect(readFileSync(out, "utf8")).toBe(body);
    expect(readdirSync(join(home, ".cache", "cluster-exec", "run"))).toEqual([]);
  });

  test("a short one is not staged", async () => {
    const r = await rt.run({ command: "echo short", requester: "cli" });
    expect(r.stdout).toBe("short\n");
  });
});
