// The anchors of scripts/bench/perf.ts, measured in the same run as what they anchor: raw ssh2
// exec over one pooled connection, OpenSSH through a ControlMaster (`ssh -S`, xargs -P8), and the
// helpers every measurement uses (timing, medians, interleaving).
import { readFileSync } from "node:fs";
import { Client, type ClientChannel } from "ssh2";

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Each function `n` times, round-robin (after a warm-up each): load drifts hit all alike. */
export async function interleaved(n: number, fns: (() => Promise<unknown>)[]): Promise<number[][]> {
  for (const f of fns) await f();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < n; i++) for (const [k, f] of fns.entries()) out[k]?.push(await timed(f));
  return out;
}

/** `count` jobs, `width` at a time; resolves with the wall time. */
export async function batch(count: number, width: number, job: () => Promise<unknown>) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < count) await job();
    }),
  );
  return performance.now() - t;
}

/** One ssh2 connection, commands as plain exec channels: the floor of per-command SSH. */
export class RawSsh2 {
  private constructor(private readonly client: Client) {}

  static async connect(host: string, user: string, keyPath: string): Promise<RawSsh2> {
    const client = new Client();
    await new Promise<void>((resolve, reject) =>
      client
        .once("ready", () => resolve())
        .once("error", reject)
        .connect({ host, username: user, privateKey: readFileSync(keyPath) }),
    );
    return new RawSsh2(client);
  }

  /** Runs `command`, discarding output (counted); a refused channel (MaxSessions) is asked again. */
  async exec(command: string): Promise<number> {
    for (;;) {
      const ch = await new Promise<ClientChannel | undefined>((resolve) =>
        this.client.exec(command, (err, channel) => resolve(err ? undefined : channel)),
      );
      if (!ch) {
        await Bun.sleep(5);
        continue;
      }
      let bytes = 0;
      ch.on("data", (b: Buffer) => {
        bytes += b.length;
      });
      ch.stderr.resume();
      await new Promise<void>((resolve) => ch.once("close", () => resolve()));
      return bytes;
    }
  }

  end(): void {
    this.client.end();
  }
}

/** A ControlMaster to the node and `ssh -S` through it. */
export class ControlMaster {
  constructor(
    private readonly base: string[],
    private readonly sock: string,
    private readonly target: string,
  ) {}

  static async start(base: string[], sock: string, target: string): Promise<ControlMaster> {
    await run([...base, "-o", "ControlMaster=yes", "-S", sock, "-fN", target]);
    return new ControlMaster(base, sock, target);
  }

  exec(command: string): Promise<void> {
    return run([...this.base, "-S", this.sock, this.target, command]);
  }

  /** `seq N | xargs -P W -I{} ssh -S … command` — the shell way to fan out over a master. */
  xargs(count: number, width: number, command: string): Promise<void> {
    const ssh = [...this.base, "-S", this.sock, this.target].map((a) => `'${a}'`).join(" ");
    return run([
      "sh",
      "-c",
      `seq ${count} | xargs -P ${width} -I{} ${ssh} '${command}' >/dev/null`,
    ]);
  }

  stop(): Promise<void> {
    return run([...this.base, "-S", this.sock, "-O", "exit", this.target]).catch(() => {});
  }
}

export async function run(argv: string[]): Promise<void> {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0)
    throw new Error(
      `${argv.join(" ")}: exit ${p.exitCode}: ${await new Response(p.stderr).text()}`,
    );
}
