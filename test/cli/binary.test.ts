// Builds the linux-x64 executable and runs it: the product as shipped, not the source.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildLinuxBinary, cli, ROOT } from "../helpers/cli.ts";

const bin = join(ROOT, "dist", "cluster-exec-linux-x64");

describe("compiled linux-x64 binary", () => {
  beforeAll(() => buildLinuxBinary(), 120_000);

  test("version names the target", async () => {
    const r = await cli(["version"], { bin: [bin] });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cluster-exec \d+\.\d+\.\d+ \(linux-x64, commit \w+\)\n$/);
  });

  test("run -- echo hi", async () => {
    const r = await cli(["run", "--", "echo", "hi"], { bin: [bin] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("hi\n");
  });

  test("ignores .env and bunfig.toml in the directory it starts in", async () => {
    const dir = (await Bun.$`mktemp -d`.text()).trim();
    await Bun.write(join(dir, ".env"), "CLUSTER_CMD_TIMEOUT=oops\n");
    await Bun.write(join(dir, "bunfig.toml"), 'preload = ["./nope.ts"]\n');
    const r = await cli(["run", "--", "pwd"], { bin: [bin], cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${dir}\n`);
  });
});
