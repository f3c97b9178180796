// Test harness run inside the controller namespace: executes RunSpecs with the real executors and
// reports outcomes as JSON lines. Input (stdin, one JSON object per line):
//   {"op":"run","id":"a","node":"n1","spec":{...RunSpec without onOutput},"cancelOn":"text"?,
//    "cancelAfterMs":100?}
//   {"op":"stats","node":"n1"?} → {"op":"stats","pool":{...},"openssh":{...},"transport":{...}?,"agent":{...}?,"vmHwmKb":N}
//   {"op":"agent","node":"n1"} → starts the node's agent, answers {"op":"agent","agent":{state,detail}}
//   {"op":"close"}   → closes the pool, answers {"op":"closed"} and exits
// Runs are concurrent; answers come in completion order, each with its id.
// Usage: bun test/helpers/exec-harness.ts CONFIG_PATH [POOL_OPTIONS_JSON]
// (POOL_OPTIONS_JSON: numeric pool option overrides, e.g. {"idleTimeoutMs":300}; "agents": true
// runs through the nodes' resident agents where they start)
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadConfig } from "../../src/config/load.ts";
import { OpensshHub } from "../../src/openssh/hub.ts";
import { opensshOptionsFrom } from "../../src/openssh/options.ts";
import { createExecutorFor } from "../../src/run/for-node.ts";
import { createTransports } from "../../src/run/transports.ts";
import { poolOptionsFrom, SshPool } from "../../src/ssh/pool.ts";
import { type RecordedRun, runRecorded } from "./exec-record.ts";

export interface HarnessRun extends RecordedRun {
  op: "run";
  id: string;
  node: string;
}

function vmHwmKb(): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : -1;
}

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (!configPath) throw new Error("usage: exec-harness.ts CONFIG_PATH");
  const config = loadConfig({ configPath });
  const { agents, ...overrides } = JSON.parse(process.argv[3] ?? "{}") as Record<string, number> & {
    agents?: boolean;
  };
  const pool = new SshPool(poolOptionsFrom(config, overrides));
  const openssh = new OpensshHub(opensshOptionsFrom(config));
  const transports = createTransports(config, { pool, openssh, agents });
  const write = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const running = new Set<Promise<void>>();

  const run = async (req: HarnessRun) => {
    try {
      const exec = createExecutorFor(req.node, config, { transports });
      const answer = await runRecorded(exec, req);
      await exec.close();
      write({ id: req.id, ...answer });
    } catch (err) {
      const e = err as Error & { code?: string };
      write({ id: req.id, thrown: { message: e.message, code: e.code } });
    }
  };

  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === "") continue;
    const req = JSON.parse(line) as { op: string };
    if (req.op === "run") {
      const p = run(req as HarnessRun).finally(() => running.delete(p));
      running.add(p);
    } else if (req.op === "stats") {
      const node = config.nodes[(req as { node?: string }).node ?? ""];
      const transport = node ? await transports.choose(node).catch(() => undefined) : undefined;
      const agent = node ? transports.agents.status(node.name) : undefined;
      const stats = { pool: pool.stats(), openssh: openssh.stats(), transport, agent };
      write({ op: "stats", ...stats, vmHwmKb: vmHwmKb() });
    } else if (req.op === "agent") {
      const node = config.nodes[(req as { node?: string }).node ?? ""];
      if (node) {
        const choice = await transports.choose(node);
        await transports.agents.ensure(node, choice.transport);
      }
      write({ op: "agent", agent: node ? transports.agents.status(node.name) : undefined });
    } else if (req.op === "close") {
      await Promise.all(running);
      transports.agents.close();
      await pool.close();
      await openssh.close();
      write({ op: "closed" });
      return;
    }
  }
  await Promise.all(running);
  transports.agents.close();
  await pool.close();
  await openssh.close();
}

if (import.meta.main) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`exec-harness: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
