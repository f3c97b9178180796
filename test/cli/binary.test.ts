// Builds the linux-x64 executable and runs it: the product as shipped, not the source.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildLinuxBinary, cli, isolatedEnv, ROOT } from "../helpers/cli.ts";

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

  test("serve's status page and its browser files are embedded", async () => {
    const proc = Bun.spawn([bin, "serve", "--port", "0"], {
      env: isolatedEnv(),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    try {
      let err = "";
      const reader = proc.stderr.getReader();
      while (!/status page: (\S+)\/#token=/.test(err)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`serve exited: ${err}`);
        err += new TextDecoder().decode(value);
      }
      const base = /status page: (\S+)\/#token=/.exec(err)?.[1] as string;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/ui/main.mjs">');
      const ui = join(ROOT, "src", "transports", "web", "ui");
      for (const f of ["main.mjs", "events.mjs", "nodes.mjs", "tasks.mjs", "style.css"]) {
        const r = await fetch(`${base}/ui/${f}`);
        expect([f, r.status, await r.text()]).toEqual([f, 200, await Bun.file(join(ui, f)).text()]);
      }
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});
