// What the status page costs `serve` (compiled binary, the embedded one-node default): CPU over a
// window with 1 and 10 pages open against no page, measured in the same run; and how long a line
// a background task prints takes to reach an open page.
// Usage: bun scripts/bench/status-page.ts [--seconds S] [--lines N]   (builds the binary first)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const bin = join(root, "dist", "cluster-exec-linux-x64");
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 20);
const LINES = arg("lines", 20);

const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--target", "linux-x64"], {
  cwd: root,
});
if (build.exitCode !== 0) throw new Error(build.stderr.toString());

const env = (home: string) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home });

/** utime + stime of a process, in ms (USER_HZ = 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function startServe(home: string) {
  const proc = Bun.spawn([bin, "serve", "--port", "0"], {
    env: env(home),
    stdout: "ignore",
    stderr: "pipe",
  });
  let err = "";
  const reader = proc.stderr.getReader();
  while (!/status page: \S+#token=\S+/.test(err)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${err}`);
    err += new TextDecoder().decode(value);
  }
  const m = /status page: (\S+)\/#token=(\S+)/.exec(err) as RegExpExecArray;
  return { proc, base: m[1] as string, token: decodeURIComponent(m[2] as string) };
}

/** An open page: the event stream, its events handed to `onEvent`. */
function openPage(base: string, token: string, onEvent: (event: string, data: string) => void) {
  const ctrl = new AbortController();
  void (async () => {
    const res = await fetch(`${base}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ctrl.signal,
    });
    let buf = "";
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      buf += new TextDecoder().decode(chunk);
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
        onEvent(event, /^data: (.*)$/m.exec(block)?.[1] ?? "");
      }
    }
  })().catch(() => {});
  return () => ctrl.abort();
}

async function cpuWith(pages: number): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), "ce-bench-"));
  const s = await startServe(home);
  const closers = Array.from({ length: pages }, () => openPage(s.base, s.token, () => {}));
  await Bun.sleep(1000);
  const before = cpuMs(s.proc.pid);
  await Bun.sleep(SECONDS * 1000);
  const used = cpuMs(s.proc.pid) - before;
  for (const close of closers) close();
  s.proc.kill("SIGTERM");
  await s.proc.exited;
  return used;
}

const none = await cpuWith(0);
const one = await cpuWith(1);
const ten = await cpuWith(10);
console.log(`serve CPU over ${SECONDS} s: no page ${none} ms (baseline)`);
console.log(`  1 page open:   ${one} ms  ratio ${(one / Math.max(10, none)).toFixed(2)}`);
console.log(`  10 pages open: ${ten} ms  ratio ${(ten / Math.max(10, none)).toFixed(2)}`);

// Output latency: the task prints its own clock; the page's receive time minus that.
const home = mkdtempSync(join(tmpdir(), "ce-bench-"));
const s = await startServe(home);
const lags: number[] = [];
const seen = new Set<string>();
const close = openPage(s.base, s.token, (event, data) => {
  if (event !== "output") return;
  const now = Date.now();
  for (const m of (JSON.parse(data) as { stdout: string }).stdout.matchAll(/at-(\d+)/g))
    if (!seen.has(m[1] as string)) {
      seen.add(m[1] as string);
      lags.push(now - Number(m[1]));
    }
});
const submit = Bun.spawnSync(
  [bin, "submit", "--", `for i in $(seq 1 ${LINES}); do echo at-$(date +%s%3N); sleep 0.5; done`],
  { env: env(home) },
);
if (submit.exitCode !== 0) throw new Error(submit.stderr.toString());
const deadline = Date.now() + LINES * 500 + 10_000;
while (lags.length < LINES && Date.now() < deadline) await Bun.sleep(100);
close();
s.proc.kill("SIGTERM");
await s.proc.exited;
const sorted = [...lags].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
console.log(
  `output line → open page: ${lags.length}/${LINES} lines, median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${sorted.at(-1)} ms`,
);
