// The measurements of scripts/bench/perf.ts, run inside the test cluster's controller namespace
// (the only place that reaches the nodes). Prints one JSON object: every figure and its anchor.
//   bun perf-inner.ts SETUP_JSON   (written by perf.ts)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { batch, ControlMaster, interleaved, median, RawSsh2, timed } from "./perf-anchors.ts";

export interface Setup {
  bin: string;
  noop: string;
  agentConfig: string;
  plainConfig: string;
  nodes4: string;
  nodes100: string;
  keyPath: string;
  host: string;
  user: string;
  dir: string;
  only: string[];
  reps: number;
  calls: number;
  runs: number;
}

const setup = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as Setup;
const want = (k: string) => setup.only.length === 0 || setup.only.includes(k);
const out: Record<string, unknown> = {};
const log = (m: string) => process.stderr.write(`perf: ${m}\n`);

function envFor(state: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: setup.dir,
    CLUSTER_STATE_DIR: join(setup.dir, state),
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_NO_DAEMON: "1",
    ...extra,
  };
}

interface Server {
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  pid: number;
  close(): Promise<void>;
}

async function mcp(config: string, state: string, extra: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: setup.bin,
    args: ["--config", config, "mcp"],
    env: envFor(state, extra),
    stderr: "ignore",
  });
  const client = new Client({ name: "perf", version: "1" });
  await client.connect(transport);
  const server: Server = {
    call: (name, args) =>
      client.callTool({ name, arguments: args }, undefined, {
        timeout: 600_000,
      }) as Promise<CallToolResult>,
    pid: transport.pid as number,
    close: () => client.close(),
  };
  return server;
}

/** Waits until n1 is sampled healthy, and (with `agent`) its agent is up. */
async function ready(s: Server, agent: boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = (await s.call("cluster_status", {})).structuredContent as {
      nodes: Record<string, { status: string; agent?: string | null }>;
    };
    const n1 = r.nodes.n1;
    if (n1?.status === "healthy" && (!agent || n1.agent === "up")) return;
    await Bun.sleep(200);
  }
  throw new Error(`n1 never got ready${agent ? " with its agent up" : ""}`);
}

function rss(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const ok = (r: CallToolResult) => {
  if (r.isError) throw new Error(`tool call failed: ${JSON.stringify(r.structuredContent)}`);
};
const pinned = (n: number, command: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => ({ command: command(i), node_id: "n1" }));

const raw = await RawSsh2.connect(setup.host, setup.user, setup.keyPath);
const sshBase = [
  "ssh",
  "-i",
  setup.keyPath,
  "-o",
  "BatchMode=yes",
  "-o",
  "StrictHostKeyChecking=no",
];
const cm = await ControlMaster.start(
  [
    ...sshBase,
    "-o",
    `UserKnownHostsFile=${join(setup.dir, "perf_known_hosts")}`,
    "-o",
    "LogLevel=ERROR",
  ],
  join(setup.dir, "perf-cm.sock"),
  `${setup.user}@${setup.host}`,
);
const agent = await mcp(setup.agentConfig, "perf-agent");
const plain = await mcp(setup.plainConfig, "perf-plain", { CLUSTER_AGENT: "off" });
try {
  await Promise.all([ready(agent, true), ready(plain, false)]);
  const offload = (s: Server) => async () =>
    ok(await s.call("offload_to", { command: "true", node_id: "n1" }));

  if (want("true")) {
    log("one remote true");
    const [r, a, p, c] = await interleaved(setup.calls, [
      () => raw.exec("true"),
      offload(agent),
      offload(plain),
      () => cm.exec("true"),
    ]);
    out.true = {
      raw_ssh2: median(r as number[]),
      agent: median(a as number[]),
      plain: median(p as number[]),
      control_master: median(c as number[]),
    };
  }

  if (want("echo")) {
    log("200 echo at concurrency 8");
    const rounds: Record<string, number[]> = { raw: [], agent: [], plain: [], xargs: [] };
    const par = (s: Server) => async () =>
      ok(
        await s.call("parallel_execute", {
          commands: pinned(200, () => "echo x"),
          max_concurrency: 8,
        }),
      );
    await par(agent)();
    await par(plain)();
    for (let i = 0; i < setup.reps; i++) {
      rounds.raw?.push(await batch(200, 8, () => raw.exec("echo x")));
      rounds.agent?.push(await timed(par(agent)));
      rounds.plain?.push(await timed(par(plain)));
      rounds.xargs?.push(await timed(() => cm.xargs(200, 8, "echo x")));
    }
    out.echo = Object.fromEntries(
      Object.entries(rounds).map(([k, v]) => [k, 200 / (median(v) / 1000)]),
    );
  }

  if (want("sleep")) {
    log("40 × sleep 0.2 at concurrency 8");
    const rounds: Record<string, number[]> = { raw: [], agent: [], plain: [] };
    const par = (s: Server) => async () =>
      ok(
        await s.call("parallel_execute", {
          commands: pinned(40, () => "sleep 0.2"),
          max_concurrency: 8,
        }),
      );
    for (let i = 0; i < setup.reps; i++) {
      rounds.raw?.push(await batch(40, 8, () => raw.exec("sleep 0.2")));
      rounds.agent?.push(await timed(par(agent)));
      rounds.plain?.push(await timed(par(plain)));
    }
    out.sleep = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
  }

  if (want("flood")) {
    log("200 MB through run --node n1");
    const flood = "head -c 200000000 /dev/zero";
    const cliRun = async (extra: string[], env: Record<string, string>) => {
      const p = Bun.spawn(
        [
          "/usr/bin/time",
          "-f",
          "%M",
          setup.bin,
          "--config",
          setup.agentConfig,
          ...extra,
          "run",
          "--node",
          "n1",
          "--",
          flood,
        ],
        {
          env,
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      let bytes = 0;
      for await (const c of p.stdout) bytes += c.length;
      const err = await new Response(p.stderr).text();
      if ((await p.exited) !== 0 || bytes !== 200_000_000)
        throw new Error(`flood run: ${bytes} bytes, ${err}`);
      return Number(err.trim().split("\n").at(-1)) / 1024;
    };
    const daemonEnv = { ...envFor("perf-daemon"), CLUSTER_NO_DAEMON: "0" };
    await cliRun([], daemonEnv); // starts the background process, its agent, warms it
    const rounds: Record<string, number[]> = { raw: [], in_process: [], daemon: [] };
    const peaks: Record<string, number> = { in_process: 0, daemon_front: 0 };
    for (let i = 0; i < setup.reps; i++) {
      rounds.raw?.push(await timed(() => raw.exec(flood)));
      const t0 = performance.now();
      peaks.in_process = Math.max(
        peaks.in_process ?? 0,
        await cliRun(["--no-daemon"], envFor("perf-flood")),
      );
      rounds.in_process?.push(performance.now() - t0);
      const t1 = performance.now();
      peaks.daemon_front = Math.max(peaks.daemon_front ?? 0, await cliRun([], daemonEnv));
      rounds.daemon?.push(performance.now() - t1);
    }
    const daemonPid = Number(
      (
        await new Response(
          Bun.spawn(["pgrep", "-f", `__daemon --state-dir ${join(setup.dir, "perf-daemon")}`])
            .stdout,
        ).text()
      )
        .trim()
        .split("\n")[0],
    );
    out.flood = {
      mb_s: Object.fromEntries(
        Object.entries(rounds).map(([k, v]) => [k, 200 / (median(v) / 1000)]),
      ),
      peak_rss_mb: { ...peaks, daemon: rss(daemonPid, "VmHWM") },
    };
  }

  if (want("memory")) {
    log(`server RSS over ${setup.runs} runs`);
    let done = 0;
    let after100 = Number.NaN;
    const single = async (i: number) => {
      ok(await agent.call("offload_to", { command: `seq 1 ${200 + (i % 50)}`, node_id: "n1" }));
      done++;
    };
    // Each figure is the server's idle RSS: 3 s after its last call (it collects after 2 s idle).
    const idleRss = async () => {
      await Bun.sleep(3000);
      return rss(agent.pid, "VmRSS");
    };
    for (let i = 0; i < 100; i++) await single(i);
    after100 = await idleRss();
    while (done < setup.runs) {
      ok(
        await agent.call("parallel_execute", {
          commands: pinned(100, (i) => `seq 1 ${100 + i}`),
          max_concurrency: 16,
        }),
      );
      done += 100;
      for (let i = 0; i < 20; i++) await single(i);
    }
    out.memory = {
      runs: done,
      after_100_mib: after100,
      after_all_mib: await idleRss(),
      peak_mib: rss(agent.pid, "VmHWM"),
    };
  }

  if (want("width")) {
    log("a call with 100 nodes in the inventory vs 4");
    const small = await mcp(setup.nodes4, "perf-n4", {
      CLUSTER_AGENT: "off",
      CLUSTER_SAMPLE_INTERVAL: "3600",
    });
    const large = await mcp(setup.nodes100, "perf-n100", {
      CLUSTER_AGENT: "off",
      CLUSTER_SAMPLE_INTERVAL: "3600",
    });
    try {
      await Promise.all([ready(small, false), ready(large, false)]);
      const bash = (s: Server) => async () => ok(await s.call("cluster_bash", { command: "true" }));
      const [s4, s100] = await interleaved(setup.calls * 2, [bash(small), bash(large)]);
      out.width = { n4: median(s4 as number[]), n100: median(s100 as number[]) };
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
  }

  if (want("process")) {
    log("whole process: run --node n1 -- true, version");
    const daemonEnv = { ...envFor("perf-daemon"), CLUSTER_NO_DAEMON: "0" };
    const spawnEnv = (argv: string[], env: Record<string, string>) => async () => {
      const p = Bun.spawn(argv, { env, stdout: "ignore", stderr: "ignore" });
      if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")} failed`);
    };
    const runTrue = spawnEnv(
      [setup.bin, "--config", setup.agentConfig, "run", "--node", "n1", "--", "true"],
      daemonEnv,
    );
    const [w, c] = await interleaved(setup.calls / 2, [runTrue, () => cm.exec("true")]);
    const [v, n] = await interleaved(setup.calls / 2, [
      spawnEnv([setup.bin, "version"], daemonEnv),
      spawnEnv([setup.noop], daemonEnv),
    ]);
    out.process = {
      run_true: median(w as number[]),
      control_master: median(c as number[]),
      version: median(v as number[]),
      noop: median(n as number[]),
    };
  }
} finally {
  await Promise.all([agent.close(), plain.close()]);
  await cm.stop();
  raw.end();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
