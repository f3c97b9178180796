// Files for agents on the netns cluster, over both transports (n1: ssh2's SFTP channel, n2: `ssh -s
// sftp` through its ControlMaster): put_file / get_file through a real MCP client talking to
// `cluster-exec mcp` in the controller namespace, `cluster-exec copy`, the write policy, and a
// 200 KB heredoc run as a command (staged on the node: longer than any argument may be).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, testEnv } from "../helpers/ctl-harness.ts";

const T = 180_000;
let c: TestCluster;
let client: Client;
let configPath: string;
let shared: string;
/** Outside every home and temp directory: what a workspace sandbox leaves read-only. */
let srv: string;
let env: Record<string, string>;

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
  })) as CallToolResult;
const data = (r: CallToolResult) => r.structuredContent as Record<string, unknown>;

/** Reads a whole file with get_file, page after page. */
async function getAll(node: string, path: string): Promise<{ bytes: Buffer; pages: number }> {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let pages = 1; pages < 1000; pages++) {
    const r = await call("get_file", { node_id: node, path, offset });
    if (r.isError) throw new Error(JSON.stringify(r.content));
    const d = data(r);
    parts.push(
      d.encoding === "base64"
        ? Buffer.from(d.content_base64 as string, "base64")
        : Buffer.from(d.content as string, "utf8"),
    );
    offset = d.next_offset as number;
    if (d.eof) return { bytes: Buffer.concat(parts), pages };
  }
  throw new Error("no eof after 1000 pages");
}

beforeAll(async () => {
  c = await startCluster(2);
  env = testEnv(c, { CLUSTER_MCP_OUTPUT_LIMIT: "1000000", CLUSTER_CMD_TIMEOUT: "120" });
  shared = join(c.dir, "files");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  srv = `/srv/cluster-exec-files-${c.id}`;
  mkdirSync(join(srv, "cache"), { recursive: true });
  chmodSync(srv, 0o1777);
  chmodSync(join(srv, "cache"), 0o1777);
  configPath = join(c.dir, "files.toml");
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
      "",
      "[nodes.n2]",
      'host = "n2"', // the ssh_config alias
      'transport = "openssh"',
      "",
      // n1 again, its runs in a workspace sandbox with one extra writable directory.
      "[nodes.w1]",
      'host = "n1.local"',
      'ip = "10.250.0.11"',
      'transport = "ssh2"',
      'sandbox = "workspace"',
      `writable = ["${srv}/cache"]`,
      "",
    ].join("\n"),
  );
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("CLUSTER_")) base[k] = v;
  const transport = new StdioClientTransport({
    command: "ip",
    args: ["netns", "exec", `${c.id}-ctl`, process.execPath, CLI, "--config", configPath, "mcp"],
    env: { ...base, ...env },
    stderr: "ignore",
  });
  client = new Client({ name: "files-test", version: "1" });
  await client.connect(transport);
}, T);

afterAll(async () => {
  await client?.close();
  if (srv) rmSync(srv, { recursive: true, force: true });
  await c?.down();
}, T);

describe("files for agents on the cluster", () => {
  for (const node of ["n1", "n2"])
    test(
      `${node}: a text file put and read back`,
      async () => {
        const path = join(shared, `${node}-notes.txt`);
        const text = `written on ${node}\nümlaut ✓ 😀\n`;
        const put = await call("put_file", { node_id: node, path, content: text, mode: "0640" });
        expect(put.isError).toBeFalsy();
        expect(data(put)).toMatchObject({
          node,
          path,
          bytes: Buffer.byteLength(text),
          mode: "0640",
          sha256: sha(text),
        });
        // Written as the node's SSH user, on the node (the nodes share this machine's disk).
        expect(readFileSync(path, "utf8")).toBe(text);
        expect(statSync(path).uid).toBe(
          Number(Bun.spawnSync(["id", "-u", "cetest"]).stdout.toString()),
        );
        expect(statSync(path).mode & 0o777).toBe(0o640);
        const got = await call("get_file", { node_id: node, path });
        expect(data(got)).toMatchObject({
          encoding: "text",
          content: text,
          eof: true,
          size: Buffer.byteLength(text),
        });
        const more = await call("put_file", {
          node_id: node,
          path,
          content: "and more\n",
          append: true,
        });
        expect(data(more)).toMatchObject({ bytes: Buffer.byteLength(text) + 9, created: false });
        expect(readFileSync(path, "utf8")).toBe(`${text}and more\n`);
      },
      T,
    );

  test(
    "a 5 MB binary file round-trips byte for byte (put_file base64 to n2, get_file pages back; copy to n1 and back)",
    async () => {
      const blob = Buffer.from(
        new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24),
      );
      const path = join(shared, "blob.bin");
      const put = await call("put_file", {
        node_id: "n2",
        path,
        content_base64: blob.toString("base64"),
      });
      expect(data(put)).toMatchObject({ bytes: blob.length, sha256: sha(blob) });
      const back = await getAll("n2", path);
      expect(back.pages).toBeGreaterThan(1);
      expect(sha(back.bytes)).toBe(sha(blob));

      const local = join(c.dir, "blob-local.bin");
      writeFileSync(local, blob);
      const up = await cli(c, ["copy", "--json", local, `n1:${shared}/copied.bin`], env, {
        configPath,
      });
      expect(up.code).toBe(0);
      expect(JSON.parse(up.stdout)).toMatchObject({
        direction: "upload",
        bytes: blob.length,
        sha256: sha(blob),
      });
      const down = await cli(
        c,
        ["copy", "--json", `n1:${shared}/copied.bin`, join(c.dir, "blob-back.bin")],
        env,
        {
          configPath,
        },
      );
      expect(down.code).toBe(0);
      expect(sha(readFileSync(join(c.dir, "blob-back.bin")))).toBe(sha(blob));
    },
    T,
  );

  test(
    "a protected path is refused with its rule; nothing is written there; the refusal is audit-logged",
    async () => {
      const passwd = readFileSync("/etc/passwd", "utf8");
      for (const node of ["n1", "n2"]) {
        const r = await call("put_file", { node_id: node, path: "/etc/passwd", content: "x" });
        expect(r.isError).toBe(true);
        expect(data(r)).toMatchObject({ error: { code: "POLICY_DENIED", rule: "account-files" } });
        const bin = await call("put_file", { node_id: node, path: "/usr/bin/ls", content: "x" });
        expect(data(bin)).toMatchObject({ error: { code: "POLICY_DENIED", rule: "system-tree" } });
      }
      expect(readFileSync("/etc/passwd", "utf8")).toBe(passwd);
      // A symlinked directory does not get around it: ~/etc-link → /etc.
      Bun.spawnSync(["ln", "-sfn", "/etc", join(shared, "etc-link")]);
      const viaLink = await call("put_file", {
        node_id: "n1",
        path: join(shared, "etc-link", "hosts"),
        content: "x",
      });
      expect(data(viaLink)).toMatchObject({ error: { rule: "protected-path" } }); // /etc/hosts is /etc/*
      const audit = readFileSync(join(env.CLUSTER_STATE_DIR as string, "audit.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(
        audit.filter((a) => a.event === "file" && a.outcome === "refused").length,
      ).toBeGreaterThanOrEqual(5);
      expect(audit).toContainEqual(
        expect.objectContaining({
          op: "put",
          node: "n2",
          path: "/etc/passwd",
          rule: "account-files",
        }),
      );
    },
    T,
  );

  test(
    "a workspace-sandbox node takes files only where its runs could write them",
    async () => {
      // Without a sandbox, n1 writes there (the directory is open to all)...
      const open = await call("put_file", {
        node_id: "n1",
        path: `${srv}/plain.txt`,
        content: "a",
      });
      expect(data(open)).toMatchObject({ bytes: 1 });
      // ...the same machine as the workspace node w1 does not: it is outside the home, /tmp and
      // its writable paths. The refusal names the rule and nothing is created.
      const refused = await call("put_file", { node_id: "w1", path: `${srv}/x.txt`, content: "b" });
      expect(refused.isError).toBe(true);
      expect(data(refused)).toMatchObject({ error: { code: "POLICY_DENIED", rule: "sandbox" } });
      expect((data(refused).error as { message: string }).message).toContain('"workspace" sandbox');
      expect(existsSync(`${srv}/x.txt`)).toBe(false);
      // Its writable directory, /tmp (the test's shared directory) and the home are fine.
      const home = `~/cluster-exec-files-${c.id}.txt`;
      for (const path of [`${srv}/cache/y.txt`, join(shared, "w1.txt"), home]) {
        const ok = await call("put_file", { node_id: "w1", path, content: "c" });
        expect(ok.isError).toBeFalsy();
        expect(data(ok)).toMatchObject({ bytes: 1 });
      }
      rmSync(`/home/cetest/cluster-exec-files-${c.id}.txt`);
    },
    T,
  );

  for (const node of ["n1", "n2"])
    test(
      `${node}: a 200 KB heredoc runs (analysed, staged on the node, the file written byte for byte)`,
      async () => {
        const body =
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text, not a template
          "export const line = (n: number) => `row ${n}: ${'x'.repeat(40)}`; // \\ $HOME\n".repeat(
            2600,
          );
        const out = join(shared, `${node}-heredoc.ts`);
        const command = `cat > ${out} <<'EOF'\n${body}EOF\nsha256sum ${out} | cut -d' ' -f1; hostname`;
        expect(command.length).toBeGreaterThan(200_000);
        const r = await call("offload_to", { node_id: node, command });
        expect(data(r)).toMatchObject({ exit_code: 0, node, stderr: "" });
        expect(data(r).stdout).toBe(`${sha(body)}\n${node}\n`);
        expect(readFileSync(out, "utf8")).toBe(body);
      },
      T,
    );
});
