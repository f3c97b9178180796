// The HTTP server under soak: `cluster-exec serve` in the controller namespace on a fixed port
// (so a restart keeps the clients' URL), its RSS / open fds / CPU ticks read from /proc.
import { readdirSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import type { TestCluster } from "../cluster.ts";
import { CLI, inCtl } from "../ctl-harness.ts";

export interface ProcStats {
  rssKb: number;
  fds: number;
  /** utime + stime in clock ticks (USER_HZ, 100/s). */
  cpuTicks: number;
}

export function procStats(pid: number): ProcStats | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      cpuTicks: Number(f[11]) + Number(f[12]),
    };
  } catch {
    return undefined;
  }
}

export interface Serve {
  proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">;
  pid: number;
  url: string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `serve` and waits for its token line (it prints it once listening). */
export async function startServe(
  c: TestCluster,
  config: string,
  env: Record<string, string>,
  port: number,
): Promise<Serve> {
  const proc = inCtl(
    c,
    [process.execPath, CLI, "--config", config, "serve", "--port", String(port)],
    env,
  );
  let text = "";
  const reader = proc.stderr.getReader();
  const ready = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`serve exited: ${text}`);
      text += new TextDecoder().decode(value);
      if (/token: \S+/.test(text)) return;
    }
  })();
  await Promise.race([
    ready,
    Bun.sleep(60_000).then(() => {
      throw new Error(`serve did not start in 60 s: ${text}`);
    }),
  ]);
  // Keep draining stderr so the server never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text = (text + new TextDecoder().decode(value)).slice(-20_000);
    }
  })();
  return {
    proc,
    pid: proc.pid,
    url: `http://127.0.0.1:${port}/mcp`,
    stderr: () => text,
    kill: async (signal = "SIGTERM") => {
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
