import { readFileSync } from "node:fs";
import { Client } from "ssh2";
import { loadConfig } from "/work/wt-17/src/config/load.ts";
import { createExecutorFor } from "/work/wt-17/src/run/for-node.ts";
import { createTransports } from "/work/wt-17/src/run/transports.ts";
const [configPath, keyPath] = process.argv.slice(2) as [string, string];
const config = loadConfig({ configPath });
const node = config.nodes.n1!;
const tAgent = createTransports(config, { agents: true });
const tPlain = createTransports(config);
const agentExec = createExecutorFor("n1", config, { transports: tAgent, isLocal: false });
const plainExec = createExecutorFor("n1", config, { transports: tPlain, isLocal: false });
const choice = await tAgent.choose(node);
const s = await tAgent.agents.ensure(node, choice.transport);
console.error("agent", tAgent.agents.status("n1"));
const client = new Client();
await new Promise<void>((res, rej) => { client.on("ready", () => res()).on("error", rej).connect({ host: node.ip, username: node.user, privateKey: readFileSync(keyPath) }); });
const raw = () => new Promise<void>((res, rej) => client.exec("true", (err, ch) => { if (err) return rej(err); ch.on("close", () => res()); ch.resume(); ch.stderr.resume(); }));
const SPEC = { command: "true", timeoutMs: 10000, outputLimit: 4096, killGraceMs: 1000 };
const fns: [string, () => Promise<unknown>][] = [["raw ssh2", raw], ["pool", () => plainExec.run(SPEC)], ["agent", () => agentExec.run(SPEC)]];
for (const [, f] of fns) { await f(); await f(); }
const out: Record<string, number[]> = {};
const N = Number(process.env.N ?? 200);
for (let i = 0; i < N; i++) for (const [n, f] of fns) { const t = performance.now(); await f(); (out[n] ??= []).push(performance.now() - t); }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [n, xs] of Object.entries(out)) console.log(n, med(xs).toFixed(2));
// throughput 200 echo c8
async function batch(f: () => Promise<unknown>, n = 200, c = 8) { let i = 0; const t = performance.now(); await Promise.all(Array.from({ length: c }, async () => { while (i++ < n) await f(); })); return performance.now() - t; }
const echoSpec = { ...SPEC, command: "echo x" };
const rawEcho = async (): Promise<void> => { for (;;) { const ok = await new Promise<boolean>((res, rej) => client.exec("echo x", (err, ch) => { if (err) return res(false); ch.on("close", () => res(true)); ch.resume(); ch.stderr.resume(); })); if (ok) return; await Bun.sleep(5); } };
for (let r = 0; r < 3; r++) {
  console.log("batch raw", (await batch(rawEcho)).toFixed(0), "pool", (await batch(() => plainExec.run(echoSpec))).toFixed(0), "agent", (await batch(() => agentExec.run(echoSpec))).toFixed(0));
}
client.end(); await tAgent.close(); await tPlain.close(); process.exit(0);
