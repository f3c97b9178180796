// File transfer throughput: the file API's atomic put (SFTP on the ssh2 pool, `ssh -s sftp` over a
// ControlMaster) and its paged download (`copy NODE:SRC DST`), against `ssh HOST 'cat > f'` and
// `ssh HOST cat f` through a raw ControlMaster (no fsync, no rename) in the same run. Brings up its
// own netns test cluster (root), measures from its controller namespace, tears it down.
//   bun scripts/bench/files.ts [--mb N] [--runs N]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.ts";
import { createFileApi } from "../../src/files/api.ts";
import { download } from "../../src/files/copy.ts";
import { createRuntime } from "../../src/run/runtime.ts";
import { startCluster } from "../../test/helpers/cluster.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function sh(line: string): Promise<void> {
  const p = Bun.spawn(["bash", "-c", line], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`${line}: ${await new Response(p.stderr).text()}`);
}

async function timed(runs: number, f: () => Promise<void>): Promise<number> {
  await f(); // warm-up: connections, page cache
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
}

/** Inside the controller namespace. */
async function inner(configPath: string, sshConfig: string, mb: number, runs: number) {
  const config = loadConfig({ configPath });
  const rt = createRuntime(config);
  const api = createFileApi({ config, filesFor: rt.filesFor });
  const dir = mkdtempSync(join(tmpdir(), "ce-bench-files-"));
  const src = join(dir, "src.bin");
  writeFileSync(
    src,
    new Uint8Array(mb * 1_048_576).map((_, i) => (i * 2654435761) >>> 24),
  );
  const remote = (node: string) => `bench-files-${node}.bin`;
  const size = mb * 1_048_576;
  const put = (node: string) => () =>
    api
      .put({
        node,
        path: remote(node),
        content: { size, stream: () => Bun.file(src).stream() },
        requester: "cli",
      })
      .then(() => {});
  const get = (node: string) => () =>
    download(api, node, remote(node), join(dir, `back-${node}.bin`), { requester: "cli" }).then(
      () => {},
    );
  const cm = join(dir, "cm");
  const ssh = `ssh -F ${sshConfig} -o ControlPath=${cm}`;
  try {
    await sh(`${ssh} -o ControlMaster=yes -o ControlPersist=60 -fN n1`);
    const rows = {
      put_ssh2_ms: await timed(runs, put("n1")),
      put_openssh_ms: await timed(runs, put("n2")),
      put_baseline_ms: await timed(runs, () =>
        sh(`${ssh} n1 'cat > bench-files-raw.bin' < ${src}`),
      ),
      get_ssh2_ms: await timed(runs, get("n1")),
      get_openssh_ms: await timed(runs, get("n2")),
      get_baseline_ms: await timed(runs, () =>
        sh(`${ssh} n1 cat bench-files-raw.bin > ${dir}/raw-back.bin`),
      ),
    };
    await sh(`${ssh} n1 'rm -f bench-files-n1.bin bench-files-n2.bin bench-files-raw.bin'`);
    await sh(`${ssh} -O exit n1`).catch(() => {});
    process.stdout.write(`${JSON.stringify({ mb, runs, ...rows })}\n`);
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inner: { type: "string", multiple: true },
      mb: { type: "string", default: "64" },
      runs: { type: "string", default: "3" },
    },
  });
  const mb = Number(values.mb);
  const runs = Number(values.runs);
  if (values.inner) {
    const [config, sshConfig] = values.inner as [string, string];
    await inner(config, sshConfig, mb, runs);
    return 0;
  }
  const c = await startCluster(2);
  try {
    const configPath = join(c.dir, "bench-files.toml");
    writeFileSync(
      configPath,
      `[defaults]\nuser = "cetest"\nidentity_file = "${c.keyPath}"\nssh_config = "${join(c.dir, "ssh_config")}"\n\n` +
        `[nodes.n1]\nhost = "n1.local"\nip = "10.250.0.11"\ntransport = "ssh2"\n\n[nodes.n2]\nhost = "n2"\ntransport = "openssh"\n`,
    );
    const r = await c.ctl(
      [
        process.execPath,
        import.meta.path,
        "--inner",
        configPath,
        "--inner",
        join(c.dir, "ssh_config"),
        "--mb",
        String(mb),
        "--runs",
        String(runs),
      ],
      {
        env: { CLUSTER_STATE_DIR: join(c.dir, "bench-state"), CLUSTER_MDNS_TIMEOUT: "0" },
        timeoutMs: 600_000,
      },
    );
    if (r.code !== 0) throw new Error(`inner run failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    const rate = (ms: number) => `${((mb * 1.048576) / (ms / 1000)).toFixed(0)} MB/s`;
    console.log(
      `${mb} MiB file, median of ${runs} (after a warm-up), n1 over ssh2, n2 over openssh`,
    );
    console.log(
      "transfer                                   ms     rate   ratio to ssh 'cat' (ControlMaster)",
    );
    const row = (name: string, ms: number, base: number) =>
      console.log(
        `${name.padEnd(40)}${ms.toFixed(0).padStart(6)}  ${rate(ms).padStart(8)}   ${(ms / base).toFixed(2)}`,
      );
    row("put_file / copy up, ssh2 SFTP", m.put_ssh2_ms, m.put_baseline_ms);
    row("put_file / copy up, openssh ssh -s sftp", m.put_openssh_ms, m.put_baseline_ms);
    row("baseline: ssh n1 'cat > f' < file", m.put_baseline_ms, m.put_baseline_ms);
    row("copy down (16 MiB pages), ssh2 SFTP", m.get_ssh2_ms, m.get_baseline_ms);
    row("copy down (16 MiB pages), openssh", m.get_openssh_ms, m.get_baseline_ms);
    row("baseline: ssh n1 cat f > file", m.get_baseline_ms, m.get_baseline_ms);
    return 0;
  } finally {
    await c.down();
  }
}

process.exit(await main());
