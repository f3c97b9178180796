// put_file through `cluster-exec mcp` over stdio, as Claude Code talks to it: a request over the
// MCP SDK's own 10 MiB line bound arrives (that bound used to close the transport, ending the
// server), and a request over cluster-exec's bound (from file_max_bytes) is dropped with a word
// on stderr while the server keeps answering. The node is this machine: the pipe is what is tested,
// in-process (`--no-daemon`) and through the per-user background process (the default), whose
// word on a dropped request goes to its log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { daemonLogPath, daemonSocketPath } from "../../src/cli/daemon-wire.ts";
import { CLI } from "../helpers/cli.ts";

const T = 120_000;
const dir = mkdtempSync(join(tmpdir(), "ce-stdio-large-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe.each(["in-process", "background process"])("put_file over stdio (%s)", (mode) => {
  let client: Client;
  let stderr = "";
  let local: string;
  const state = join(dir, `state-${mode.replace(" ", "-")}`);
  /** Where this mode says what it dropped: the server's stderr, or the background process's log. */
  const said = () =>
    mode === "in-process" ? stderr : readFileSync(daemonLogPath(daemonSocketPath(state)), "utf8");

  beforeAll(async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("CLUSTER_")) env[k] = v;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp"],
      env: {
        ...env,
        XDG_CONFIG_HOME: join(dir, "xdg"), // no configuration: a one-node cluster of this machine
        CLUSTER_STATE_DIR: state,
        CLUSTER_MDNS_TIMEOUT: "0",
        CLUSTER_FILE_MAX_BYTES: String(16 * 1_048_576), // stdin lines up to ~22.3 MiB
        CLUSTER_NO_DAEMON: mode === "in-process" ? "1" : "0",
        CLUSTER_DAEMON_IDLE: "5", // the background process leaves soon after the test
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    client = new Client({ name: "stdio-large-test", version: "1" });
    await client.connect(transport);
    const st = (await client.callTool({ name: "cluster_status", arguments: {} })) as CallToolResult;
    local = (st.structuredContent as { local_node: string }).local_node;
  }, T);

  afterAll(async () => {
    await client?.close();
  });

  test(
    "12 MB (16 MB of base64, over the SDK's 10 MiB line) is written whole",
    async () => {
      const blob = Buffer.from(new Uint8Array(12_000_000).map((_, i) => (i * 2654435761) >>> 24));
      const path = join(dir, `big-${mode.replace(" ", "-")}.bin`);
      const r = (await client.callTool(
        {
          name: "put_file",
          arguments: { node_id: local, path, content_base64: blob.toString("base64") },
        },
        undefined,
        { timeout: T },
      )) as CallToolResult;
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ bytes: blob.length, sha256: sha(blob) });
      expect(sha(readFileSync(path))).toBe(sha(blob));
    },
    T,
  );

  test(
    "a request over the bound is dropped and said so; the server goes on answering",
    async () => {
      const huge = "A".repeat(24 * 1_048_576);
      const lost = client
        .callTool(
          {
            name: "put_file",
            arguments: { node_id: local, path: join(dir, "no.bin"), content_base64: huge },
          },
          undefined,
          { timeout: T },
        )
        .then(
          () => "answered",
          (err: Error) => err.message,
        );
      // stdin is one ordered stream: this answer comes after the huge line was read and dropped.
      const st = (await client.callTool({
        name: "cluster_status",
        arguments: {},
      })) as CallToolResult;
      expect(st.isError).toBeFalsy();
      expect(said()).toMatch(/dropped a request of \d+ bytes(: | on stdin: )over \d+/);
      await client.close(); // the dropped request is never answered: closing ends its wait
      expect(await lost).not.toBe("answered");
    },
    T,
  );
});
