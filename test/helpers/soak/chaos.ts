// The soak's faults, all at once: a rotating node power cut (every process of the node killed,
// sshd started again after a pause), 50 ms delay + 5 % loss on one node's link (tc netem), one
// node's MaxSessions taken by a foreign OpenSSH client (ControlMaster + 10 sleeping sessions).
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { TestCluster } from "../cluster.ts";
import { liveProcesses } from "../procs.ts";
import { pick } from "./commands.ts";

export interface NodeRestart {
  node: string;
  killedAt: number;
  startedAt: number;
}

const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

/** Kills one of `candidates` every 10–20 s and starts it again 5–15 s later, until stopped. */
export async function powerCuts(
  c: TestCluster,
  candidates: string[],
  stop: () => boolean,
  log: (l: string) => void,
  onRestart: (r: NodeRestart) => void,
): Promise<void> {
  while (!stop()) {
    await sleepUnless(rand(10_000, 20_000), stop);
    if (stop()) return;
    const node = pick(candidates);
    const killedAt = Date.now();
    await c.script("kill-node", node);
    log(`chaos: ${node} killed`);
    await Bun.sleep(rand(5_000, 15_000)); // always brought back, even when stopping
    await c.script("start-sshd", node);
    const startedAt = Date.now();
    log(`chaos: ${node} started again after ${Math.round((startedAt - killedAt) / 1000)} s`);
    onRestart({ node, killedAt, startedAt });
  }
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !stop()) await Bun.sleep(Math.min(250, end - Date.now()));
}

/**
 * A bad link for `node`: tc netem (50 ms delay, 5 % loss) where the kernel has it; otherwise (this
 * machine's kernel has no sch_netem and no tc actions) a token bucket of 2 Mbit/s holding at most
 * 50 ms of queue on both ends of the node's veth, so bursts are delayed up to 50 ms and dropped
 * beyond that (real loss, but under load only). Returns what was set, or throws.
 */
export async function badLink(c: TestCluster, node: string): Promise<string> {
  const netemArgs = [
    "tc",
    "qdisc",
    "replace",
    "dev",
    "eth0",
    "root",
    "netem",
    "delay",
    "50ms",
    "loss",
    "5%",
  ];
  const r = await c.nodeExec(node, netemArgs);
  if (r.code === 0) return "netem delay 50ms loss 5%";
  const tbf = ["root", "tbf", "rate", "2mbit", "burst", "4kb", "latency", "50ms"];
  const a = await c.nodeExec(node, ["tc", "qdisc", "replace", "dev", "eth0", ...tbf]);
  const b = await hubExec(c, ["tc", "qdisc", "replace", "dev", `v-${node}`, ...tbf]);
  if (a.code !== 0 || b.code !== 0)
    throw new Error(`tc on ${node}: ${r.stderr} ${a.stderr} ${b.stderr}`);
  return `tbf rate 2mbit burst 4kb latency 50ms both ways (no netem in this kernel: ${r.stderr.trim()})`;
}

export async function goodLink(c: TestCluster, node: string): Promise<void> {
  await c.nodeExec(node, ["tc", "qdisc", "del", "dev", "eth0", "root"]);
  await hubExec(c, ["tc", "qdisc", "del", "dev", `v-${node}`, "root"]);
}

async function hubExec(c: TestCluster, argv: string[]) {
  const p = Bun.spawn(["ip", "netns", "exec", `${c.id}-hub`, ...argv], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  return { code, stderr };
}

export interface Filler {
  /** Sessions the foreign client holds, and whether one more was refused (the node is full). */
  held: number;
  full: boolean;
  close(): Promise<void>;
}

/** A foreign OpenSSH client holding `sessions` sleeping sessions on one connection to `node`. */
export async function fillSessions(
  c: TestCluster,
  node: string,
  sessions: number,
  sleepArg: string,
): Promise<Filler> {
  const sock = join(c.dir, `fill-${node}.sock`);
  const base = ["ssh", "-F", join(c.dir, "ssh_config"), "-S", sock];
  const spawn = (args: string[]) =>
    Bun.spawn(["ip", "netns", "exec", `${c.id}-ctl`, ...base, ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  const master = spawn(["-M", "-N", "-o", "ControlPersist=no", node]);
  for (let i = 0; i < 100; i++) {
    const check = await spawn(["-O", "check", node]).exited;
    if (check === 0) break;
    await Bun.sleep(100);
  }
  const held: Subprocess[] = [];
  for (let i = 0; i < sessions; i++) {
    held.push(spawn([node, `sleep ${sleepArg}`]));
    await Bun.sleep(50);
  }
  // Wait until every session's sleep runs on the node, then one more must be refused.
  const mark = sleepArg.split(".")[1] as string;
  for (
    let i = 0;
    i < 100 && liveProcesses(mark).filter((l) => l.split(" ")[2] === "sleep").length < sessions;
    i++
  )
    await Bun.sleep(100);
  // One more session on the same connection must be refused (ssh then falls back to a
  // connection of its own, so its stderr tells, not its exit code).
  const extra = spawn([node, "true"]);
  const done = await Promise.race([
    extra.exited.then(() => true),
    Bun.sleep(10_000).then(() => false),
  ]);
  if (!done) extra.kill("SIGKILL");
  const full = /refused|open failed/i.test(await new Response(extra.stderr).text());
  return {
    held: held.filter((p) => p.exitCode === null).length,
    full,
    close: async () => {
      for (const p of held) p.kill("SIGKILL");
      master.kill("SIGKILL");
      await master.exited;
    },
  };
}
