// One soak on a fresh netns cluster: load from every kind of user (driver.ts, inside the
// controller namespace), chaos from here (chaos.ts), one SIGKILL + restart of the HTTP server,
// then the end checks (check.ts) and the figures (figures.ts). Shared by scripts/soak.ts and
// test/soak/soak.test.ts.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../cluster.ts";
import { CLI, eachLine, inCtl } from "../ctl-harness.ts";
import { badLink, fillSessions, goodLink, type NodeRestart, powerCuts } from "./chaos.ts";
import {
  checkRuns,
  leftovers,
  type Recovery,
  type RunChecks,
  readTasks,
  recoveries,
} from "./check.ts";
import { type CallFigures, callFigures } from "./figures.ts";
import { type ProcStats, procStats, type Serve, startServe } from "./server.ts";
import type { CallRecord, DriverArgs, SoakOptions } from "./types.ts";

const DRIVER = join(import.meta.dir, "driver.ts");
const PROBER = join(import.meta.dir, "prober.ts");
const SLACK_MS = 5000;

export interface ServerLife {
  pid: number;
  /** Taken at the end of the warm-up (the first server) or 15 s after the restart. */
  baseline?: ProcStats;
  final?: ProcStats;
  peakRssKb: number;
  peakFds: number;
}

export interface SoakReport {
  options: Omit<SoakOptions, "log">;
  durationS: number;
  calls: CallFigures;
  lateCalls: string[];
  /** CLI calls over timeout + 5 s: each is a fresh process, its start included (informational). */
  lateCliCalls: string[];
  noAnswerOutsideRestart: string[];
  runs: RunChecks;
  leftovers: string[];
  servers: ServerLife[];
  restart: { killedPid: number; runningAtKill: string[]; notInterrupted: string[]; downMs: number };
  recoveries: Recovery[];
  filler: { node: string; held: number; full: boolean };
  netemNode: string;
  link: string;
}

const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const c = await startCluster(opts.nodes);
  try {
    return await soakOn(c, opts);
  } finally {
    await c.down();
  }
}

async function soakOn(c: TestCluster, opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log;
  for (const n of c.nodes)
    await c.setLoad(n, { load1: 0, cpuBusyPercent: 1, memTotalKb: 8e6, memAvailKb: 7e6 });
  const soakDir = join(c.dir, "soak");
  mkdirSync(soakDir, { recursive: true });
  chmodSync(soakDir, 0o777); // commands run as the nodes' test user
  const markerPath = join(soakDir, "markers");
  writeFileSync(markerPath, "");
  chmodSync(markerPath, 0o666);
  const stateDir = join(c.dir, "soak-state");
  const tag = `k${Math.random().toString(36).slice(2, 6)}`;
  const sleepTag = `9${randInt(100000, 999999)}`;
  const fillTag = `8${randInt(100000, 999999)}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: c.dir,
    USER: "root",
    CLUSTER_STATE_DIR: stateDir,
    CLUSTER_MDNS_TIMEOUT: "0",
    CLUSTER_HTTP_TOKEN: crypto.randomUUID(),
  };
  const port = randInt(20000, 40000);
  let serve: Serve = await startServe(c, c.configPath, env, port);
  const servers: ServerLife[] = [{ pid: serve.pid, peakRssKb: 0, peakFds: 0 }];
  const sampler = setInterval(() => {
    const s = procStats(serve.pid);
    const life = servers.at(-1) as ServerLife;
    if (!s || life.pid !== serve.pid) return;
    life.peakRssKb = Math.max(life.peakRssKb, s.rssKb);
    life.peakFds = Math.max(life.peakFds, s.fds);
  }, 1000);

  const driverArgs: DriverArgs = {
    url: serve.url,
    token: env.CLUSTER_HTTP_TOKEN as string,
    configPath: c.configPath,
    env,
    markerPath,
    tag,
    sleepTag,
    nodes: c.nodes,
    httpClients: opts.httpClients,
    stdioClients: opts.stdioClients,
    cli: opts.cli,
    cliPath: CLI,
  };
  const driver = inCtl(c, [process.execPath, DRIVER, JSON.stringify(driverArgs)], {}, "pipe");
  const calls: CallRecord[] = [];
  let driverErr = "";
  void (async () => {
    for await (const chunk of driver.stderr)
      driverErr = (driverErr + new TextDecoder().decode(chunk)).slice(-20_000);
  })();
  const driverDone = eachLine(driver.stdout, (line) => {
    const msg = JSON.parse(line) as CallRecord | { type: "done" };
    if (msg.type === "call") calls.push(msg);
  });
  // A restarted node's recovery probe: a process of its own, its calls recorded like the driver's,
  // its steps logged as they happen.
  const probes: Promise<unknown>[] = [];
  const startProbe = (node: string) => {
    const name = `p${probes.length + 1}`;
    const p = inCtl(c, [process.execPath, PROBER, JSON.stringify(driverArgs), node, name], {});
    probes.push(
      Promise.all([
        eachLine(p.stdout, (line) => calls.push(JSON.parse(line) as CallRecord)),
        eachLine(p.stderr, log),
        p.exited,
      ]),
    );
  };

  const t0 = Date.now();
  const chaosS = Math.max(20, opts.minutes * 60 - opts.warmupS - opts.calmTailS);
  log(
    `soak ${tag}: ${opts.nodes} nodes, warm-up ${opts.warmupS} s, chaos ${chaosS} s, calm ${opts.calmTailS} s`,
  );
  await Bun.sleep(opts.warmupS * 1000);
  (servers[0] as ServerLife).baseline = procStats(serve.pid);
  const chaosFrom = Date.now();

  // The faults: netem on the last node, a foreign client filling the one before, power cuts on the others.
  const netemNode = c.nodes.at(-1) as string;
  const fillNode = c.nodes.at(-2) as string;
  const link = await badLink(c, netemNode);
  const filler = await fillSessions(c, fillNode, 10, `3600.${fillTag}`);
  log(
    `chaos: ${link} on ${netemNode}; ${filler.held} foreign sessions on ${fillNode} (one more refused: ${filler.full})`,
  );
  const restarts: NodeRestart[] = [];
  let chaosOver = false;
  const driverIn = driver.stdin as import("bun").FileSink;
  const cuts = powerCuts(
    c,
    c.nodes.filter((n) => n !== fillNode),
    () => chaosOver,
    log,
    (r) => {
      restarts.push(r);
      startProbe(r.node);
    },
  );

  // The server restart, half-way through the chaos.
  await Bun.sleep((chaosS * 1000) / 2);
  const killedPid = serve.pid;
  (servers[0] as ServerLife).final = procStats(killedPid);
  const killAt = Date.now();
  await serve.kill("SIGKILL");
  // Read once it is dead: what it left running must become interrupted (its groups killed).
  const runningAtKill = readTasks(stateDir)
    .filter((r) => r.runner_pid === killedPid && r.state === "running")
    .map((r) => r.id);
  serve = await startServe(c, c.configPath, env, port);
  const downMs = Date.now() - killAt;
  servers.push({ pid: serve.pid, peakRssKb: 0, peakFds: 0 });
  log(
    `chaos: server ${killedPid} killed with ${runningAtKill.length} runs going; ${serve.pid} serving after ${downMs} ms`,
  );
  const restartWindow = [killAt - 1000, Date.now() + SLACK_MS];
  const restartBaseline = Bun.sleep(15_000).then(() => {
    (servers[1] as ServerLife).baseline = procStats(serve.pid);
  });

  await Bun.sleep(Math.max(0, chaosFrom + chaosS * 1000 - Date.now()));
  chaosOver = true;
  await cuts;
  await goodLink(c, netemNode);
  await filler.close();
  const chaosTo = Date.now();
  log("chaos over; calm tail");
  await Bun.sleep(opts.calmTailS * 1000);
  await restartBaseline;

  driverIn.write("stop\n");
  driverIn.flush();
  const drained = await Promise.race([
    driverDone.then(() => true),
    Bun.sleep(120_000).then(() => false),
  ]);
  if (!drained) {
    driver.kill("SIGKILL");
    log(`driver did not stop within 120 s: ${driverErr.slice(-2000)}`);
  }
  await driver.exited;
  await Promise.all(probes); // each ends within its 40 s bound
  clearInterval(sampler);
  for (const l of driverErr.split("\n")) if (l.startsWith("connect ")) log(l);
  log(
    `load stopped after ${Math.round((Date.now() - t0) / 1000)} s; ${calls.length} calls; checking`,
  );

  const left = await leftovers([sleepTag, `${tag}-`], 20_000);
  await Bun.sleep(2000); // idle: what the server holds now is what it keeps
  (servers[1] as ServerLife).final = procStats(serve.pid);
  const runs = checkRuns(stateDir, markerPath, tag);
  if (opts.rawCallsPath)
    writeFileSync(opts.rawCallsPath, `${calls.map((x) => JSON.stringify(x)).join("\n")}\n`);
  const rows = new Map(readTasks(stateDir).map((r) => [r.id, r]));
  const report: SoakReport = {
    options: { ...opts, log: undefined } as Omit<SoakOptions, "log">,
    durationS: Math.round((Date.now() - t0) / 1000),
    calls: callFigures(calls, chaosFrom, chaosTo),
    lateCalls: calls
      .filter((x) => x.outcome !== "aborted" && x.ms > x.boundMs && x.client !== "cli")
      .map(
        (x) =>
          `${x.client} ${x.tool} ${x.id} (${x.kind}) ${x.ms} ms > ${x.boundMs}: ${x.outcome} ${x.code ?? x.message ?? ""}`,
      ),
    lateCliCalls: calls
      .filter((x) => x.ms > x.boundMs && x.client === "cli")
      .map(
        (x) =>
          `${x.tool} ${x.id} (${x.kind}) ${x.ms} ms > ${x.boundMs}: ${x.outcome} ${x.code ?? ""}`,
      ),
    noAnswerOutsideRestart: calls
      .filter((x) => x.outcome === "transport")
      .filter(
        (x) =>
          !(x.at + x.ms >= (restartWindow[0] as number) && x.at <= (restartWindow[1] as number)),
      )
      .map((x) => `${x.client} ${x.tool} at +${Math.round((x.at - t0) / 1000)} s: ${x.message}`),
    runs,
    leftovers: left,
    servers,
    restart: {
      killedPid,
      runningAtKill,
      notInterrupted: runningAtKill.filter((id) => rows.get(id)?.state !== "interrupted"),
      downMs,
    },
    recoveries: recoveries(stateDir, markerPath, restarts).map((x) => ({
      ...x,
      probes: calls
        .filter((k) => k.kind === `recovery probe of ${x.node}` && k.at >= x.startedAt - 1000)
        .map(
          (k) =>
            `+${Math.round((k.at - x.startedAt) / 100) / 10} s ${k.outcome} ${k.code ?? ""} ${k.ms} ms ${k.message ?? ""}`,
        ),
    })),
    filler: { node: fillNode, held: filler.held, full: filler.full },
    netemNode,
    link,
  };
  await serve.kill("SIGTERM");
  if (serve.proc.exitCode !== 0)
    log(`serve exit ${serve.proc.exitCode}: ${serve.stderr().slice(-1000)}`);
  return report;
}
