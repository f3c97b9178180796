// The soak's users, run inside the controller namespace by driver.ts: MCP clients over HTTP
// (reconnecting when the server goes away) and over stdio, and a CLI loop (`run`, `submit` +
// `wait`). Each loop picks a random action, records every call (CallRecord) and goes on until
// told to stop.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Body, body, type Gen, marked, pick, randomBody } from "./commands.ts";
import type { CallRecord, DriverArgs } from "./types.ts";

type Emit = (r: CallRecord) => void;
const SLACK_MS = 5000;

interface Structured {
  error?: { code?: string; message?: string };
  results?: Structured[];
  task_id?: string;
  state?: string;
}

/** The error code of a failed result: its own, else the first failing item's. */
function codeOf(r: CallToolResult): string | undefined {
  const s = r.structuredContent as Structured | undefined;
  if (s?.error?.code) return s.error.code;
  for (const item of s?.results ?? []) if (item.error?.code) return item.error.code;
  if (s?.state && !["succeeded", "running", "queued"].includes(s.state)) return `state:${s.state}`;
  return r.isError ? "command_failed" : undefined;
}

export class McpUser {
  private seq = 0;
  private client: Client | undefined;
  constructor(
    readonly name: string,
    private readonly a: DriverArgs,
    private readonly g: Gen,
    private readonly connect: () => Promise<Client>,
    private readonly emit: Emit,
  ) {}

  private nextId(): string {
    return `${this.a.tag}-${this.name}-${++this.seq}`;
  }

  private async ensure(
    stop: () => boolean,
    onError: (message: string) => void = () => {},
  ): Promise<Client | undefined> {
    while (this.client === undefined && !stop()) {
      try {
        this.client = await this.connect();
      } catch (err) {
        onError((err as Error).message.slice(0, 200));
        await Bun.sleep(250); // the server is restarting
      }
    }
    return this.client;
  }

  /** One tool call, timed and recorded; undefined when there was no MCP answer. */
  private async call(
    tool: string,
    args: Record<string, unknown>,
    boundS: number,
    signal?: AbortSignal,
    what: { id?: string; kind?: string } = {},
  ): Promise<CallToolResult | undefined> {
    const client = this.client as Client;
    const at = Date.now();
    const t0 = performance.now();
    const rec = (o: Partial<CallRecord>) =>
      this.emit({
        type: "call",
        client: this.name,
        tool,
        at,
        ms: Math.round(performance.now() - t0),
        boundMs: boundS * 1000 + SLACK_MS,
        outcome: "ok",
        ...what,
        ...o,
      });
    try {
      const r = (await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: boundS * 1000 + 60_000,
        ...(signal ? { signal } : {}),
      })) as CallToolResult;
      const code = codeOf(r);
      rec(r.isError ? { outcome: "error", ...(code ? { code } : {}) } : {});
      return r;
    } catch (err) {
      const message = (err as Error).message;
      if (signal?.aborted) {
        rec({ outcome: "aborted" });
        return undefined;
      }
      // A JSON-RPC error the server sent (an unknown session after its restart) is an answer.
      const rpc = /"code":(-?\d+)/.exec(message)?.[1];
      if (rpc) rec({ outcome: "error", code: `jsonrpc ${rpc}`, message: message.slice(0, 200) });
      else rec({ outcome: "transport", message: message.slice(0, 200) });
      // The session or the server is gone: connect again before the next call.
      this.client = undefined;
      await client.close().catch(() => {});
      return undefined;
    }
  }

  async loop(stop: () => boolean): Promise<void> {
    let failures = 0;
    while (!stop()) {
      // Connect failures are traced on stderr (the harness logs them): a client that cannot come
      // back after the server's restart makes no calls, so no record would show it.
      const ok = await this.ensure(stop, (m) => {
        if (++failures % 20 === 1)
          process.stderr.write(`connect ${this.name}: failure ${failures}: ${m}\n`);
      });
      if (!ok) break;
      await this.step();
      await Bun.sleep(100 + Math.random() * 400);
    }
    await this.client?.close().catch(() => {});
  }

  /**
   * After a node's restart: `offload_to` it every 500 ms until a run there succeeds (at most
   * 40 s), so the harness sees when the node can be used again whatever the load happens to be.
   */
  async probe(node: string, stop: () => boolean): Promise<void> {
    const end = Date.now() + 40_000;
    // Its steps on stderr: the harness logs them (why a node was never used again, if so).
    const trace = (l: string) =>
      process.stderr.write(`probe ${this.name} ${node} +${Date.now() - end + 40_000} ms: ${l}\n`);
    trace("start");
    const gaveUp = () => stop() || Date.now() >= end;
    while (!gaveUp()) {
      if (!(await this.ensure(gaveUp, (m) => trace(`connect failed: ${m}`)))) {
        trace("no client");
        return;
      }
      trace("call");
      const id = this.nextId();
      const command = marked(this.g, id, "true");
      const r = await this.call(
        "offload_to",
        { command, node_id: node, timeout_seconds: 10 },
        10,
        undefined,
        {
          id,
          kind: `recovery probe of ${node}`,
        },
      );
      trace(`answer ${r ? (r.isError ? "error" : "ok") : "none"}`);
      if (r && !r.isError) return;
      await Bun.sleep(500);
    }
    trace("gave up");
  }

  private async step(): Promise<void> {
    const action = pick([
      "bash",
      "bash",
      "offload",
      "parallel",
      "background",
      "background",
      "cancel",
      "status",
    ]);
    const id = this.nextId();
    const one = (kind: Body = randomBody()) => {
      const b = body(this.g, kind);
      return { command: marked(this.g, id, b.text), timeout_seconds: b.timeoutS, kind };
    };
    switch (action) {
      case "bash": {
        const { kind, ...c } = one();
        await this.call("cluster_bash", c, c.timeout_seconds, undefined, { id, kind });
        return;
      }
      case "offload": {
        const { kind, ...c } = one();
        const node_id = pick(this.a.nodes);
        await this.call("offload_to", { ...c, node_id }, c.timeout_seconds, undefined, {
          id,
          kind: `${kind} on ${node_id}`,
        });
        return;
      }
      case "parallel": {
        const n = 8 + Math.floor(Math.random() * 25);
        const commands = Array.from({ length: n }, (_, i) => {
          const b = body(this.g, pick<Body>(["sleep", "print", "fail", "sleep"]));
          return marked(this.g, `${id}.${i}`, b.text.replace(/5000000|1000000/, "1000"));
        });
        await this.call(
          "parallel_execute",
          { commands, max_concurrency: 8, timeout_seconds: 60 },
          60,
          undefined,
          { id, kind: `${n} items` },
        );
        return;
      }
      case "background": {
        const { kind, ...c } = one(pick<Body>(["sleep", "print", "fail", "long"]));
        const started = await this.call("cluster_bash", { ...c, background: true }, 20, undefined, {
          id,
          kind: `background ${kind}`,
        });
        const taskId = (started?.structuredContent as Structured | undefined)?.task_id;
        if (!taskId) return;
        if (c.timeout_seconds === 60 || Math.random() < 0.2) {
          await Bun.sleep(300 + Math.random() * 700);
          await this.call("task_cancel", { task_id: taskId }, 20, undefined, { id });
        }
        for (let i = 0; i < 4; i++) {
          const w = await this.call(
            "task_wait",
            { task_id: taskId, timeout_seconds: 15 },
            15,
            undefined,
            { id },
          );
          const st = (w?.structuredContent as Structured | undefined)?.state;
          if (st !== "running" && st !== "queued") break;
        }
        return;
      }
      case "cancel": {
        const abort = new AbortController();
        const b = body(this.g, "long");
        const timer = setTimeout(() => abort.abort(), 500 + Math.random() * 1500);
        const tool = pick(["cluster_bash", "offload_to"]);
        const args = { command: marked(this.g, id, b.text), timeout_seconds: 60 };
        await this.call(
          tool,
          tool === "offload_to" ? { ...args, node_id: pick(this.a.nodes) } : args,
          60,
          abort.signal,
          { id, kind: "cancel" },
        ).finally(() => clearTimeout(timer));
        return;
      }
      default:
        await this.call("cluster_status", {}, 5);
    }
  }
}

export function httpConnector(a: DriverArgs, name: string): () => Promise<Client> {
  return async () => {
    const client = new Client({ name, version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(a.url), {
        requestInit: { headers: { authorization: `Bearer ${a.token}` } },
      }),
      { timeout: 10_000 }, // an initialize left unanswered is retried, not waited on for a minute
    );
    return client;
  };
}

export function stdioConnector(a: DriverArgs, name: string): () => Promise<Client> {
  return async () => {
    const client = new Client({ name, version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [a.cliPath, "--config", a.configPath, "mcp"],
        env: a.env,
        stderr: "ignore",
      }),
    );
    return client;
  };
}
