// Drives test/helpers/exec-harness.ts inside a test cluster's controller namespace: send runs,
// await their answers by id, ask for pool stats, close. Also spawns the CLI there.
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { TransportChoice } from "../../src/openssh/choose-transport.ts";
import type { OpensshStats } from "../../src/openssh/hub.ts";
import type { PoolStats } from "../../src/ssh/pool.ts";
import type { TestCluster } from "./cluster.ts";
import type { RecordedRun, RunAnswer } from "./exec-record.ts";

const ROOT = join(import.meta.dir, "..", "..");
export const HARNESS = join(ROOT, "test", "helpers", "exec-harness.ts");
export const CLI = join(ROOT, "src", "cli.ts");

export interface HarnessAnswer extends Partial<RunAnswer> {
  id: string;
  thrown?: { message: string; code?: string };
}

export interface Harness {
  pid: number;
  run(node: string, req: RecordedRun): Promise<HarnessAnswer>;
  /** Pool and openssh stats; with a node, also the transport chosen for it. */
  stats(node?: string): Promise<{
    pool: PoolStats;
    openssh: OpensshStats;
    transport?: TransportChoice;
    agent?: { state: string; detail: string };
    vmHwmKb: number;
  }>;
  /** Starts the node's resident agent (harness started with agents: true) and says how it went. */
  agent(node: string): Promise<{ agent?: { state: string; detail: string } }>;
  close(): Promise<void>;
  stderr(): string;
}

/** Environment for the program under test: its own state dir, no mDNS wait, short SSH timeouts. */
export function testEnv(cluster: TestCluster, extra: Record<string, string> = {}) {
  return {
    CLUSTER_NO_DAEMON: "1",
    CLUSTER_STATE_DIR: join(cluster.dir, "state-ctl"),
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_SSH_TIMEOUT: "3",
    CLUSTER_SSH_CONNECT_TIMEOUT: "1",
    CLUSTER_SSH_RETRIES: "1",
    ...extra,
  };
}

export function inCtl(
  cluster: TestCluster,
  argv: string[],
  env: Record<string, string>,
  stdin: "pipe" | "ignore" = "ignore",
): Subprocess<"pipe" | "ignore", "pipe", "pipe"> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) base[k] = v;
  for (const k of Object.keys(base))
    if (k.startsWith("CLUSTER_") && k !== "CLUSTER_NO_DAEMON") delete base[k];
  return Bun.spawn(["ip", "netns", "exec", `${cluster.id}-ctl`, ...argv], {
    env: { ...base, ...env },
    stdin,
    stdout: "pipe",
    stderr: "pipe",
  });
}

export function startHarness(
  cluster: TestCluster,
  env: Record<string, string>,
  poolOverrides: Partial<
    Record<
      | "idleTimeoutMs"
      | "keepaliveIntervalMs"
      | "keepaliveCountMax"
      | "maxConnections"
      | "runSessions",
      number
    >
  > & { agents?: boolean } = {},
): Harness {
  const argv = [process.execPath, HARNESS, cluster.configPath, JSON.stringify(poolOverrides)];
  const proc = inCtl(cluster, argv, env, "pipe");
  const stdin = proc.stdin as import("bun").FileSink;
  const waiting = new Map<string, (a: unknown) => void>();
  let errText = "";
  let seq = 0;
  let exited = false;
  void (async () => {
    for await (const chunk of proc.stderr) errText += new TextDecoder().decode(chunk);
  })();
  void (async () => {
    await eachLine(proc.stdout, (line) => {
      const msg = JSON.parse(line) as { id?: string; op?: string };
      const key = msg.id ?? msg.op ?? "";
      waiting.get(key)?.(msg);
      waiting.delete(key);
    });
    exited = true;
    for (const [key, resolve] of waiting)
      resolve({ id: key, thrown: { message: `harness exited: ${errText}` } });
    waiting.clear();
  })();
  const ask = <T>(key: string, msg: object): Promise<T> => {
    if (exited) return Promise.reject(new Error(`harness exited: ${errText}`));
    const p = new Promise<T>((r) => waiting.set(key, r as (a: unknown) => void));
    stdin.write(`${JSON.stringify(msg)}\n`);
    stdin.flush();
    return p;
  };
  return {
    pid: proc.pid,
    run: (node, req) => {
      const id = `r${++seq}`;
      return ask<HarnessAnswer>(id, { op: "run", id, node, ...req });
    },
    stats: (node) => ask("stats", { op: "stats", node }),
    agent: (node) => ask("agent", { op: "agent", node }),
    close: async () => {
      // Bounded: a harness that cannot close in time is killed (its connections die with it).
      let bound: ReturnType<typeof setTimeout> | undefined;
      if (!exited)
        await Promise.race([
          ask("closed", { op: "close" }).catch(() => {}),
          new Promise<void>((r) => (bound = setTimeout(r, 20_000))),
        ]);
      clearTimeout(bound);
      stdin.end();
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    },
    stderr: () => errText,
  };
}

/** Runs the CLI in the controller namespace and collects its output. */
export async function cli(
  cluster: TestCluster,
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number; configPath?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const config = opts.configPath ?? cluster.configPath;
  const proc = inCtl(cluster, [process.execPath, CLI, "--config", config, ...args], env);
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  clearTimeout(timer);
  return { code: proc.exitCode, stdout, stderr, ms: Math.round(performance.now() - started) };
}

/** Calls `each` with every line of a process's output as it arrives; resolves at its end. */
export async function eachLine(
  stream: ReadableStream<Uint8Array>,
  each: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      each(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
}
