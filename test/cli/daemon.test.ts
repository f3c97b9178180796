// The per-user background process on the netns cluster: thin fronts of `run` and `mcp` share one
// process, so every SSH connection to a node is held by it alone and placement counts everyone's
// runs; the CLI still streams, exits with the command's code and cancels on Ctrl-C; --no-daemon
// and CLUSTER_NO_DAEMON=1 run in-process; it leaves after daemon_idle seconds without work.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { encodeJson } from "../../src/agent/protocol.ts";
import { buildId, D, daemonLogPath, daemonSocketPath } from "../../src/cli/daemon-wire.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, cli, inCtl } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep, waitGone, waitLive } from "../helpers/procs.ts";

const T = 120_000;
let c: TestCluster;
let state: string;
let env: Record<string, string>;

beforeAll(async () => {
  c = await startCluster(3);
  for (const n of c.nodes)
    await c.setLoad(n, {
      load1: 0,
      cpuBusyPercent: 1,
      memTotalKb: 8_000_000,
      memAvailKb: 7_000_000,
    });
  state = join(c.dir, "daemon-state");
  env = {
    HOME: c.dir,
    CLUSTER_NO_DAEMON: "0",
    CLUSTER_STATE_DIR: state,
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_SAMPLE_INTERVAL: "1",
    CLUSTER_SSH_TIMEOUT: "3",
    CLUSTER_SSH_CONNECT_TIMEOUT: "1",
  };
}, T);

afterAll(async () => {
  await c?.down(); // the background process lives in the controller namespace: it goes too
}, T);

/** The live background processes of this cluster (pid, from their command line). */
function daemons(stateDir = state): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p)))
    try {
      const text = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (text.includes("__daemon") && text.includes(stateDir)) out.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  return out;
}

/** Established TCP connections from the controller to a node's sshd, with the pid holding each. */
async function sshConnections(): Promise<{ node: string; pid: number }[]> {
  const r = await c.ctl(["ss", "-Htnp", "state", "established", "dport", "= :22"]);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const ip = /\s(10\.250\.0\.\d+):22\s/.exec(line)?.[1] ?? "?";
      const pid = Number(/pid=(\d+)/.exec(line)?.[1] ?? -1);
      return { node: `n${Number(ip.split(".")[3]) - 10}`, pid };
    });
}

/** What the background processes of the state directory logged (for a failure's message). */
function daemonLogs(): string {
  const log = daemonLogPath(daemonSocketPath(state));
  return existsSync(log) ? readFileSync(log, "utf8") || "(empty log)" : `(no log at ${log})`;
}

function mcpClient(): Promise<Client> {
  const client = new Client({ name: "daemon-test", version: "1" });
  let stderr = "";
  const transport = new StdioClientTransport({
    command: "ip",
    args: ["netns", "exec", `${c.id}-ctl`, process.execPath, CLI, "--config", c.configPath, "mcp"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return client.connect(transport).then(
    () => client,
    (err: Error) => {
      throw new Error(
        `mcp front: ${err.message}; its stderr: ${stderr || "(none)"}; background process log: ${daemonLogs()}`,
      );
    },
  );
}

/** A `run --node NODE -- CMD` front in the controller namespace, its streams piped. */
const runFront = (node: string, command: string) =>
  inCtl(
    c,
    [process.execPath, CLI, "--config", c.configPath, "run", "--node", node, "--", command],
    env,
  );

const call = (client: Client, name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }, undefined, { timeout: T }) as Promise<CallToolResult>;

describe("the background process", () => {
  test(
    "run streams, exits with the command's code; the socket is 0600 in the state dir",
    async () => {
      const r = await cli(c, ["run", "--node", "n1", "--", "echo out; echo err >&2; exit 3"], env);
      expect(r.stdout).toBe("out\n");
      expect(r.stderr).toBe("err\n");
      expect(r.code).toBe(3);
      expect(daemons().length).toBe(1);
      const sock = readdirSync(state).find((f) => f.endsWith(".sock"));
      expect(sock).toBeDefined();
      expect(statSync(join(state, sock as string)).mode & 0o777).toBe(0o600);
    },
    T,
  );

  test(
    "a remote flood to a slow reader: every byte, exit 0, nothing on stderr",
    async () => {
      const proc = runFront("n1", "head -c 30000000 /dev/zero");
      let bytes = 0;
      for await (const chunk of proc.stdout) {
        bytes += chunk.length;
        await Bun.sleep(1); // a consumer slower than the stream: the front's stdout fills
      }
      const stderr = await new Response(proc.stderr).text();
      expect(await proc.exited).toBe(0);
      expect(bytes).toBe(30_000_000);
      expect(stderr).toBe("");
    },
    T,
  );

  test(
    "Ctrl-C of the front cancels: the group is killed on the node, exit 130",
    async () => {
      const s = uniqueSleep();
      const proc = runFront("n2", `echo ready; sleep ${s}`);
      const reader = proc.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      expect(await waitGone(s)).toEqual([]);
    },
    T,
  );

  test(
    "two mcp servers and a CLI run hold one connection set per node; their batches spread as one",
    async () => {
      const [a, b] = await Promise.all([mcpClient(), mcpClient()]);
      try {
        // Fresh samples first: placement reads cached ones only.
        for (let i = 0; i < 100; i++) {
          const s = (await call(a, "cluster_status", {})).structuredContent as {
            nodes: Record<string, { status: string }>;
          };
          if (c.nodes.every((n) => s.nodes[n]?.status === "healthy")) break;
          await Bun.sleep(200);
        }
        // Two items from one session, two from the other, one from the CLI, all at once: counted
        // together they take one slot each on three nodes of two cores; counted apart, the second
        // session and the CLI would pile onto n1 and n2 as the first did.
        const first = call(a, "parallel_execute", {
          commands: ["sleep 3; hostname; echo a1", "sleep 3; hostname; echo a2"],
          max_concurrency: 2,
        });
        await Bun.sleep(500);
        const second = call(b, "parallel_execute", {
          commands: ["sleep 3; hostname; echo b1", "sleep 3; hostname; echo b2"],
          max_concurrency: 2,
        });
        await Bun.sleep(500);
        const third = cli(c, ["run", "--", "sleep 2; hostname"], env);
        await Bun.sleep(1000);
        const held = await sshConnections();
        const [ra, rb, rc] = await Promise.all([first, second, third]);
        const nodes = [
          ...(ra.structuredContent as { results: { node: string }[] }).results.map((r) => r.node),
          ...(rb.structuredContent as { results: { node: string }[] }).results.map((r) => r.node),
          rc.stdout.trim(),
        ];
        const per = (n: string) => nodes.filter((x) => x === n).length;
        expect(new Set(nodes)).toEqual(new Set(["n1", "n2", "n3"]));
        for (const n of c.nodes) expect(per(n)).toBeLessThanOrEqual(2);
        // Every SSH connection of the controller is the background process's.
        expect(held.length).toBeGreaterThan(0);
        expect(new Set(held.map((h) => h.pid))).toEqual(new Set(daemons()));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
    T,
  );

  test(
    "an mcp request frame and the client's first message in one write are both read",
    async () => {
      // What a loaded machine does by chance (the front's two writes coalesced): done on purpose.
      const req = encodeJson(D.request, 0, {
        build: buildId(),
        verb: "mcp",
        args: [],
        configPath: c.configPath,
        cwd: "/",
        env,
      });
      const init = `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "one-write", version: "1" },
        },
      })}\n`;
      const bytes = Buffer.concat([req, Buffer.from(init)]);
      const answer = await new Promise<string>((resolve, reject) => {
        const sock = connect(daemonSocketPath(state));
        let got = "";
        sock.on("connect", () => sock.write(bytes));
        sock.on("data", (chunk: Buffer) => {
          got += chunk.toString();
          if (got.includes("\n")) {
            sock.destroy();
            resolve(got);
          }
        });
        sock.on("close", () => resolve(got));
        sock.on("error", reject);
      });
      expect(answer).toContain('"serverInfo"');
      expect(JSON.parse(answer.split("\n")[0] as string).id).toBe(1);
    },
    T,
  );

  test(
    "cluster-status through it shows a node being sampled again from its recent sample, within the status timeout",
    async () => {
      const quick = { ...env, CLUSTER_STATUS_TIMEOUT: "2" };
      const status = async () => {
        const r = await cli(c, ["cluster-status", "--json"], quick);
        expect(r.code).toBe(0);
        return JSON.parse(r.stdout) as { nodes: Record<string, { status: string }> };
      };
      for (let i = 0; i < 50; i++) {
        const s = await status();
        if (c.nodes.every((n) => s.nodes[n]?.status === "healthy")) break;
      }
      // n2's next samples hang (one of the probe's programs sleeps) while its last one was good.
      const s = uniqueSleep();
      const shim = join(c.dir, "nodes", "n2", "bin", "getconf");
      writeFileSync(shim, `#!/bin/sh\nsleep ${s}\nexec /usr/bin/getconf "$@"\n`, { mode: 0o755 });
      try {
        expect((await waitLive(s)).length).toBeGreaterThan(0); // the background sampler is on it
        const now = await status();
        expect(now.nodes.n2?.status).toBe("healthy");
        expect(now.nodes.n1?.status).toBe("healthy");
      } finally {
        rmSync(shim, { force: true });
        for (const line of liveProcesses(s)) process.kill(Number(line.split(" ")[0]), "SIGKILL");
      }
    },
    T,
  );

  test(
    "--no-daemon and CLUSTER_NO_DAEMON=1 run in-process",
    async () => {
      const own = join(c.dir, "no-daemon-state");
      for (const [args, extra] of [
        [["--no-daemon", "run", "--node", "n1", "--", "echo x"], {}],
        [["run", "--node", "n1", "--", "echo y"], { CLUSTER_NO_DAEMON: "1" }],
      ] as const) {
        const r = await cli(c, [...args], { ...env, CLUSTER_STATE_DIR: own, ...extra });
        expect(r.code).toBe(0);
      }
      expect(daemons(own)).toEqual([]);
      expect(existsSync(own) && readdirSync(own).some((f) => f.endsWith(".sock"))).toBe(false);
    },
    T,
  );

  test(
    "it leaves after daemon_idle seconds without work, removing its socket",
    async () => {
      const own = join(c.dir, "idle-state");
      const r = await cli(c, ["run", "--node", "n3", "--", "true"], {
        ...env,
        CLUSTER_STATE_DIR: own,
        CLUSTER_DAEMON_IDLE: "1",
      });
      expect(r.code).toBe(0);
      const end = performance.now() + 20_000;
      while (daemons(own).length > 0 && performance.now() < end) await Bun.sleep(100);
      expect(daemons(own)).toEqual([]);
      expect(readdirSync(own).some((f) => f.endsWith(".sock"))).toBe(false);
    },
    T,
  );
});
