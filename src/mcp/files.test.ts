// put_file / get_file through a real MCP client, on this machine's files (the local adapter), with
// the real file API, policy and audit log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { createFileTransfer } from "../exec/file-transfer.ts";
import { createLocalFileOps } from "../exec/local-files.ts";
import { createFileApi } from "../files/api.ts";
import { AuditLog } from "../tasks/audit.ts";
import type { McpDeps } from "./deps.ts";
import { createServer } from "./server.ts";
import { size } from "./sizing.ts";

const home = mkdtempSync(join(tmpdir(), "ce-mcp-files-"));
const state = join(home, ".state");
const config = loadConfig({
  env: { HOME: home, CLUSTER_STATE_DIR: state, CLUSTER_FILE_MAX_BYTES: "8000000" },
});
const local = Object.keys(config.nodes)[0] as string;
const audit = new AuditLog(state, { maxBytes: 10_000_000 });
const deps: McpDeps = {
  run: async () => {
    throw new Error("not used");
  },
  requester: "mcp-stdio",
  defaultConcurrency: () => 1,
  clusterStatus: async () => ({ local_node: local, nodes: {} }),
  limits: { output: 20_000, errorOutput: 10_000, batchOutput: 100_000 },
  files: createFileApi({
    config,
    filesFor: async (node) => {
      if (node !== local) throw new ClusterError("NODE_UNKNOWN", `unknown node "${node}"`);
      return createFileTransfer(node, createLocalFileOps(home));
    },
    audit: (r) => audit.append(r),
  }),
};

let client: Client;
beforeAll(async () => {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createServer(deps).connect(a);
  client = new Client({ name: "t", version: "1" });
  await client.connect(b);
});
afterAll(async () => {
  await client.close();
  rmSync(home, { recursive: true, force: true });
});

const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const data = (r: CallToolResult) => r.structuredContent as Record<string, unknown>;
const auditLines = () =>
  readFileSync(join(state, "audit.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("put_file and get_file", () => {
  test("a text file put and read back; relative paths are in the home directory", async () => {
    const text = "line one\nzwei — drei ✓\n";
    const put = await call("put_file", { node_id: local, path: "notes/a.txt", content: text });
    expect(put.isError).toBeFalsy();
    expect(data(put)).toMatchObject({
      node: local,
      path: join(home, "notes/a.txt"),
      bytes: Buffer.byteLength(text),
      mode: "0644",
      created: true,
    });
    const got = await call("get_file", { node_id: local, path: "~/notes/a.txt" });
    expect(data(got)).toMatchObject({ encoding: "text", content: text, eof: true, offset: 0 });
    expect(auditLines().slice(-2)).toMatchObject([
      { event: "file", op: "put", node: local, outcome: "ok", requester: "mcp-stdio" },
      { event: "file", op: "get", node: local, outcome: "ok" },
    ]);
  });

  test("a binary file round-trips byte for byte, paged within the result budget", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31 + (i >> 8)) % 256);
    const put = await call("put_file", {
      node_id: local,
      path: "bin/blob",
      content_base64: Buffer.from(bytes).toString("base64"),
      mode: "0755",
    });
    expect(data(put)).toMatchObject({ bytes: bytes.length, mode: "0755" });
    expect(statSync(join(home, "bin/blob")).mode & 0o777).toBe(0o755);
    const parts: Buffer[] = [];
    let offset = 0;
    for (let pages = 0; pages < 200; pages++) {
      const r = await call("get_file", { node_id: local, path: "bin/blob", offset });
      expect(size(r)).toBeLessThan(20_000);
      const d = data(r);
      parts.push(
        d.encoding === "base64"
          ? Buffer.from(d.content_base64 as string, "base64")
          : Buffer.from(d.content as string, "utf8"),
      );
      offset = d.next_offset as number;
      if (d.eof) break;
    }
    expect(Buffer.compare(Buffer.concat(parts), Buffer.from(bytes))).toBe(0);
  });

  test("append adds to the end; the mode of the file is kept", async () => {
    await call("put_file", { node_id: local, path: "log.txt", content: "a\n", mode: "600" });
    const r = await call("put_file", {
      node_id: local,
      path: "log.txt",
      content: "b\n",
      append: true,
    });
    expect(data(r)).toMatchObject({ bytes: 4, mode: "0600", created: false });
    expect(readFileSync(join(home, "log.txt"), "utf8")).toBe("a\nb\n");
  });

  test("a protected path is refused with its rule, and the refusal is audit-logged", async () => {
    const r = await call("put_file", { node_id: local, path: "/etc/passwd", content: "x" });
    expect(r.isError).toBe(true);
    expect(data(r)).toMatchObject({ error: { code: "POLICY_DENIED", rule: "account-files" } });
    expect(auditLines().at(-1)).toMatchObject({
      op: "put",
      outcome: "refused",
      rule: "account-files",
      error_code: "POLICY_DENIED",
    });
    const ssh = await call("put_file", {
      node_id: local,
      path: ".ssh/id_ed25519",
      content: "k",
    });
    expect(data(ssh)).toMatchObject({ error: { rule: "ssh-directory" } });
  });

  test("bad arguments and a file over file_max_bytes are named", async () => {
    const both = await call("put_file", {
      node_id: local,
      path: "x",
      content: "a",
      content_base64: "YQ==",
    });
    expect((both.content as { text: string }[])[0]?.text).toContain("exactly one of content");
    const mode = await call("put_file", { node_id: local, path: "x", content: "a", mode: "999" });
    expect(mode.isError).toBe(true);
    const big = await call("put_file", {
      node_id: local,
      path: "big",
      content_base64: Buffer.alloc(8_000_001).toString("base64"),
    });
    expect(data(big)).toMatchObject({ error: { code: "FILE_TOO_LARGE" } });
    const missing = await call("get_file", { node_id: local, path: "nope" });
    expect(data(missing)).toMatchObject({ error: { code: "FILE_NOT_FOUND" } });
    const unknown = await call("get_file", { node_id: "elsewhere", path: "x" });
    expect(data(unknown)).toMatchObject({ error: { code: "NODE_UNKNOWN" } });
  });
});
