// `deploy` on the netns cluster: the compiled binary copies itself to every node's binary_path
// (each node has its own ~/.local/bin: a directory of its own mounted in its mount namespace; n1
// over ssh2, n2 and n3 over OpenSSH),
// cluster-status then shows each node's version and probes through the deployed binary; a second
// deploy copies nothing; --check reports a node that would change; no permission at binary_path,
// a binary of the wrong architecture and a full filesystem there all keep the old binary.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StatusReport } from "../../src/cluster/report.ts";
import type { NodeDeploy } from "../../src/run/deploy-node.ts";
import { buildLinuxBinary, CLI } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { bindOwnDir, nodeShell, tmpfsAt } from "../helpers/node-mounts.ts";

const T = 240_000;
const BIN_DIR = "/home/cetest/.local/bin";
let c: TestCluster;
let bin: string;
let configPath: string;
const own: Record<string, string> = {};

const env = () => ({
  CLUSTER_STATE_DIR: join(c.dir, "deploy-state"),
  CLUSTER_MDNS_TIMEOUT: "0",
  CLUSTER_STATUS_TIMEOUT: "20",
});

async function ctl(argv: string[]) {
  const r = await c.ctl(argv, { env: env(), timeoutMs: 180_000 });
  return r;
}

async function deployJson(
  argv: string[],
): Promise<{ code: number | null; nodes: NodeDeploy[]; stderr: string }> {
  const r = await ctl([...argv, "--json"]);
  try {
    return { code: r.code, nodes: JSON.parse(r.stdout) as NodeDeploy[], stderr: r.stderr };
  } catch {
    throw new Error(`deploy printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

async function status(): Promise<StatusReport> {
  const r = await ctl([bin, "--config", configPath, "cluster-status", "--json"]);
  if (r.code !== 0) throw new Error(`cluster-status exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusReport;
}

describe("deploy", () => {
  beforeAll(async () => {
    bin = await buildLinuxBinary();
    c = await startCluster(3);
    for (const n of ["n1", "n2", "n3"]) own[n] = bindOwnDir(c, n, BIN_DIR, "local-bin");
    // n1 over ssh2, n2 and n3 over OpenSSH (their ssh_config aliases): both file transports carry
    // the 120 MB binary, and OpenSSH's crypto runs beside this process rather than in it.
    configPath = join(c.dir, "deploy.toml");
    writeFileSync(
      configPath,
      [
        "[defaults]",
        `ssh_config = "${join(c.dir, "ssh_config")}"`,
        'user = "cetest"',
        `identity_file = "${c.keyPath}"`,
        "",
        "[nodes.n1]",
        'host = "n1.local"',
        'ip = "10.250.0.11"',
        'transport = "ssh2"',
        ...["n2", "n3"].flatMap((n) => [
          "",
          `[nodes.${n}]`,
          `host = "${n}"`,
          'transport = "openssh"',
        ]),
        "",
      ].join("\n"),
    );
  }, T);
  afterAll(async () => {
    await c?.down();
  }, T);

  test(
    "puts the binary on all three nodes; cluster-status shows the version and probes through it",
    async () => {
      const before = await status();
      for (const n of ["n1", "n2", "n3"])
        expect(before.nodes[n]).toMatchObject({ method: "script", version: null });
      const r = await deployJson([bin, "--config", configPath, "deploy"]);
      expect(r.code).toBe(0);
      const sums = readFileSync(join(bin, "..", "SHA256SUMS"), "utf8");
      for (const d of r.nodes) {
        expect(d).toMatchObject({
          state: "copied",
          target: "linux-x64",
          path: `${BIN_DIR}/cluster-exec`,
          previous_sha256: null,
          version: { version: expect.any(String), target: "linux-x64" },
        });
        expect(sums).toContain(`${d.sha256}  cluster-exec-linux-x64`);
        // Each node's own copy, executable, and nothing else left beside it.
        const st = statSync(join(own[d.node] as string, "cluster-exec"));
        expect(st.size).toBe(statSync(bin).size);
        expect(st.mode & 0o777).toBe(0o755);
        expect(readdirSync(own[d.node] as string)).toEqual(["cluster-exec"]);
      }
      // How long each copy took (a loaded machine makes this vary a lot), for the record.
      for (const line of r.stderr.split("\n").filter((l) => l.includes("copied in")))
        console.log(line);
      // A progress line per node and step on stderr.
      for (const n of ["n1", "n2", "n3"]) {
        expect(r.stderr).toContain(`deploy: ${n}: copying`);
        expect(r.stderr).toMatch(
          new RegExp(`deploy: ${n}: copied in [\\d.]+ s, sha256 \\w+ verified`),
        );
      }
      const after = await status();
      const self = JSON.parse((await ctl([bin, "version", "--json"])).stdout) as {
        version: string;
        commit: string;
      };
      for (const n of ["n1", "n2", "n3"])
        expect(after.nodes[n]).toMatchObject({
          status: expect.stringMatching(/healthy|degraded/),
          method: "probe",
          probe_via: `cluster-exec ${BIN_DIR}/cluster-exec`,
          version: self.version,
          version_commit: self.commit,
          version_differs: false,
        });
    },
    T,
  );

  test(
    "a second deploy (from source, --from the build directory) copies nothing",
    async () => {
      const mtimes = ["n1", "n2", "n3"].map(
        (n) => statSync(join(own[n] as string, "cluster-exec")).mtimeMs,
      );
      const r = await deployJson([
        process.execPath,
        CLI,
        "--config",
        configPath,
        "deploy",
        "--from",
        join(bin, ".."),
      ]);
      expect(r.code).toBe(0);
      expect(r.nodes.map((d) => [d.node, d.state, d.bytes])).toEqual([
        ["n1", "up_to_date", null],
        ["n2", "up_to_date", null],
        ["n3", "up_to_date", null],
      ]);
      expect(r.stderr).not.toContain("copying");
      expect(
        ["n1", "n2", "n3"].map((n) => statSync(join(own[n] as string, "cluster-exec")).mtimeMs),
      ).toEqual(mtimes);
      const check = await deployJson([
        process.execPath,
        CLI,
        "--config",
        configPath,
        "deploy",
        "--check",
        "--from",
        join(bin, ".."),
      ]);
      expect(check.code).toBe(0);
      expect(check.nodes.every((d) => d.state === "up_to_date")).toBe(true);
    },
    T,
  );

  test(
    "--check reports a node that would change; no permission, or a binary for another architecture, fails and keeps the old one",
    async () => {
      // From source, --from a directory whose linux-x64 "binary" is an arm64 ELF header: the
      // wrong-architecture case, without copying a real 120 MB build.
      const wrong = join(c.dir, "wrong-arch");
      mkdirSync(wrong, { recursive: true });
      const elf = new Uint8Array(4096);
      elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]); // ELF, 64-bit, little endian
      elf.set([2, 0, 0xb7, 0], 16); // ET_EXEC, EM_AARCH64
      writeFileSync(join(wrong, "cluster-exec-linux-x64"), elf);
      const before = readFileSync(join(own.n2 as string, "cluster-exec"));
      const mtime = statSync(join(own.n2 as string, "cluster-exec")).mtimeMs;
      const fromSource = [process.execPath, CLI, "--config", configPath, "deploy", "n2"];
      const check = await deployJson([...fromSource, "--check", "--from", wrong]);
      expect(check.code).toBe(1);
      expect(check.nodes).toEqual([
        expect.objectContaining({ node: "n2", state: "would_copy", bytes: null }),
      ]);
      expect(check.stderr).toContain("deploy: n2: would copy");
      expect(statSync(join(own.n2 as string, "cluster-exec")).mtimeMs).toBe(mtime);

      // No permission to write beside binary_path: named, and the old binary stays.
      chmodSync(own.n2 as string, 0o555);
      try {
        const denied = await deployJson([...fromSource, "--from", wrong]);
        expect(denied.code).toBe(1);
        expect(denied.nodes[0]).toMatchObject({ state: "failed", error: { code: "FILE_FAILED" } });
        expect(denied.nodes[0]?.error?.message).toMatch(/permission denied/i);
      } finally {
        chmodSync(own.n2 as string, 0o755);
      }
      expect(statSync(join(own.n2 as string, "cluster-exec")).mtimeMs).toBe(mtime);

      const r = await deployJson([...fromSource, "--from", wrong]);
      expect(r.code).toBe(1);
      expect(r.nodes[0]).toMatchObject({ node: "n2", state: "failed" });
      expect(r.nodes[0]?.error?.message).toContain("the binary does not run there");
      expect(r.stderr).toContain(`${BIN_DIR}/cluster-exec there is unchanged`);
      // The working binary is untouched and nothing is left beside it.
      expect(readFileSync(join(own.n2 as string, "cluster-exec")).equals(before)).toBe(true);
      expect(readdirSync(own.n2 as string)).toEqual(["cluster-exec"]);
    },
    T,
  );

  test(
    "a node with a full small filesystem at binary_path fails cleanly and keeps its old binary",
    async () => {
      // n3's ~/.local/bin becomes a 16 MiB tmpfs holding an old (small) cluster-exec.
      tmpfsAt(c, "n3", BIN_DIR, 16 * 1024);
      const old = [
        "#!/bin/sh",
        `[ "$1" = version ] && echo '{"name":"cluster-exec","version":"0.0.1","target":"linux-x64","commit":"old"}' && exit 0`,
        `[ "$1" = probe ] && echo '{"hostname":"n3","os":"linux","arch":"x86_64","cores":2,"load_1m":0,"load_5m":0,"load_15m":0,"cpu_percent":1,"memory_percent":10,"mem_total":1000000,"cluster_exec":{"version":"0.0.1","commit":"old","target":"linux-x64"}}' && exit 0`,
        "exit 2",
        "",
      ].join("\n");
      writeFileSync(join(c.dir, "old-cluster-exec"), old);
      nodeShell(
        c,
        "n3",
        `cp ${join(c.dir, "old-cluster-exec")} ${BIN_DIR}/cluster-exec && chmod 755 ${BIN_DIR}/cluster-exec && chown cetest: ${BIN_DIR}/cluster-exec`,
      );
      const r = await deployJson([bin, "--config", configPath, "deploy", "n3", "n1"]);
      expect(r.code).toBe(1);
      const n3 = r.nodes.find((d) => d.node === "n3");
      expect(n3).toMatchObject({ state: "failed", error: { code: "FILE_FAILED" } });
      expect(n3?.error?.message).toMatch(/not enough space for \d+ bytes \(\d+ free\)/);
      expect(r.stderr).toContain(`deploy: n3: FAILED: `);
      expect(r.stderr).toContain(`${BIN_DIR}/cluster-exec there is unchanged`);
      expect(r.nodes.find((d) => d.node === "n1")?.state).toBe("up_to_date");
      // The old binary is there, whole, and still answers; no temp file was left.
      expect(nodeShell(c, "n3", `cat ${BIN_DIR}/cluster-exec`)).toBe(old);
      expect(nodeShell(c, "n3", `ls -A ${BIN_DIR}`)).toBe("cluster-exec\n");
      const st = await status();
      expect(st.nodes.n3).toMatchObject({ version: "0.0.1", version_differs: true });
    },
    T,
  );
});
