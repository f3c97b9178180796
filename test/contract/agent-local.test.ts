// The executor contract against the resident agent, without SSH: `cluster-exec agent` started here
// with its stdin/stdout as the channel (the framed protocol, the agent's own process-group runs).
// The ssh-reached agent gets the same suite in agent-ssh.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentSession } from "../../src/agent/client.ts";
import { processChannel } from "../../src/agent/process-channel.ts";
import { PROTOCOL_VERSION } from "../../src/agent/protocol.ts";
import { runRecorded } from "../helpers/exec-record.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";
import { executorContract } from "./executor-contract.ts";

const CLI = join(import.meta.dir, "..", "..", "src", "cli.ts");

function startAgent() {
  const proc = Bun.spawn([process.execPath, CLI, "agent"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc, session: new AgentSession(processChannel(proc), "here") };
}

let agent: ReturnType<typeof startAgent>;

beforeAll(async () => {
  agent = startAgent();
  await agent.session.start(0, 30_000);
}, 60_000);

afterAll(async () => {
  agent.session.close();
  await agent.proc.exited;
});

executorContract("agent (local pipes)", () => ({
  run: (req) =>
    runRecorded({ run: (s, sig) => agent.session.run(s, sig), close: async () => {} }, req),
}));

describe("agent session", () => {
  test("says its protocol and version; a sample comes on request", async () => {
    expect(agent.session.welcome?.protocol).toBe(PROTOCOL_VERSION);
    const s = await agent.session.requestSample(10_000);
    expect(s.error).toBeUndefined();
    expect((s.value as { cores: number }).cores).toBeGreaterThan(0);
  }, 30_000);

  test("a closed channel kills every group the agent started, and the agent exits", async () => {
    const own = startAgent();
    await own.session.start(0, 30_000);
    const a = uniqueSleep();
    const b = uniqueSleep();
    let ready = 0;
    const onOutput = () => {
      ready++;
    };
    const base = { timeoutMs: 60_000, outputLimit: 1024, killGraceMs: 500, onOutput };
    const runs = [
      own.session.run({ ...base, command: `echo up; sleep ${a}` }),
      own.session.run({
        ...base,
        command: `trap '' TERM; echo up; sh -c 'trap "" TERM; sleep ${b}'`,
      }),
    ];
    while (ready < 2) await Bun.sleep(10);
    own.session.close();
    const results = await Promise.all(runs);
    for (const r of results) expect(r.error?.code).toBe("CONNECTION_LOST");
    expect(await own.proc.exited).toBe(0);
    expect(await waitGone(a)).toEqual([]);
    expect(await waitGone(b)).toEqual([]);
  }, 30_000);

  test("the run frame carries the sandbox to the node's executor; the group comes back; the caller's own cwd and env stay here", async () => {
    const probe =
      "test -w /etc && echo etc-writable || echo etc-readonly; echo pg=$(ps -o pgid= -p $$ | tr -d ' '); pwd; echo \"v=$CX_FRONT_ONLY\"";
    const base = { timeoutMs: 20_000, outputLimit: 4096, killGraceMs: 500 };
    // What a front of the background process gives: meant for runs on the controller only.
    const local = { cwd: "/nonexistent-front-cwd", env: { CX_FRONT_ONLY: "leaked" } };
    const groups: number[] = [];
    const onGroup = (g: { pgid: number; local: boolean }) => {
      expect(g.local).toBe(false);
      groups.push(g.pgid);
    };
    const boxed = await agent.session.run({
      ...base,
      command: probe,
      local,
      onGroup,
      sandbox: { level: "system", writable: [] },
    });
    const plain = await agent.session.run({ ...base, command: probe, local, onGroup });
    expect(boxed.exit_code).toBe(0);
    expect(plain.exit_code).toBe(0);
    // Run as root: only the sandbox makes /etc read-only (the unsandboxed run is the control).
    expect(boxed.stdout).toStartWith("etc-readonly\n");
    expect(plain.stdout).toStartWith("etc-writable\n");
    const [, pg, cwd, v] = plain.stdout.trim().split("\n");
    expect(pg).toBe(`pg=${groups[1]}`);
    expect(cwd).toBe(process.cwd()); // the agent's own directory, not the front's
    expect(v).toBe("v=");
    expect(groups).toHaveLength(2);
  }, 30_000);

  test("samples are pushed on the interval asked for, unrequested; the agent listens on no socket", async () => {
    const own = startAgent();
    try {
      await own.session.start(100, 30_000);
      expect(own.session.latest).toBeUndefined(); // nothing asked for yet
      for (let i = 0; i < 300 && !own.session.latest; i++) await Bun.sleep(20);
      const first = own.session.latest;
      expect((first?.value as { cores: number } | undefined)?.cores).toBeGreaterThan(0);
      for (let i = 0; i < 300 && own.session.latest === first; i++) await Bun.sleep(20);
      expect(own.session.latest).not.toBe(first); // pushed again, still unrequested
      // Every socket of the agent's (if any) against the listening ones of this namespace.
      const fds = readdirSync(`/proc/${own.proc.pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${own.proc.pid}/fd/${fd}`);
        } catch {
          return "";
        }
      });
      const mine = new Set(fds.map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1]).filter(Boolean));
      const listening = new Set<string>();
      for (const f of ["tcp", "tcp6", "udp", "udp6"]) {
        const rows = readFileSync(`/proc/net/${f}`, "utf8").trim().split("\n").slice(1);
        for (const r of rows) {
          const c = r.trim().split(/\s+/);
          if (c[3] === "0A" || f.startsWith("udp")) listening.add(c[9] as string);
        }
      }
      for (const r of readFileSync("/proc/net/unix", "utf8").trim().split("\n").slice(1)) {
        const c = r.trim().split(/\s+/);
        if (c[3] === "00010000") listening.add(c[6] as string); // __SO_ACCEPTCON: listening
      }
      expect([...mine].filter((i) => listening.has(i as string))).toEqual([]);
    } finally {
      own.session.close();
      await own.proc.exited;
    }
  }, 30_000);

  test("backpressure is per run: a reader that stops taking output stops that command, not the others", async () => {
    const marker = join(tmpdir(), `ce-agent-bp-${process.pid}-${Date.now()}`);
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => (release = r));
    let taken = 0;
    const base = { timeoutMs: 30_000, outputLimit: 1024, killGraceMs: 500 };
    // 20 MB, five times the run's window: without credit the command blocks on its pipe.
    const slow = agent.session.run({
      ...base,
      command: `head -c 20000000 /dev/zero; touch ${marker}`,
      onOutput: async (_s, chunk) => {
        await stalled;
        taken += chunk.length;
      },
    });
    const other = await agent.session.run({ ...base, command: "sleep 0.5; echo other" });
    expect(other).toMatchObject({ exit_code: 0, stdout: "other\n" });
    expect(existsSync(marker)).toBe(false); // still blocked writing
    release();
    expect((await slow).exit_code).toBe(0);
    expect(taken).toBe(20_000_000);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker, { force: true });
  }, 60_000);

  test("output written in many small pieces comes back whole, each stream in order, before the exit", async () => {
    // 4,000 writes of 500 bytes (a shell loop's printf), and both streams line by line.
    const sizes: number[] = [];
    const text: string[] = [];
    const big = await agent.session.run({
      command: "for i in $(seq 1 4000); do printf '%500s' x; done",
      timeoutMs: 60_000,
      outputLimit: 1024,
      killGraceMs: 500,
      onOutput: (_stream, chunk) => {
        sizes.push(chunk.length);
      },
    });
    expect(big.exit_code).toBe(0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2_000_000);
    // Small output and both streams: every line, each stream in its order, before the exit.
    const lines = await agent.session.run({
      command: "for i in $(seq 1 300); do echo o$i; echo e$i >&2; done",
      timeoutMs: 30_000,
      outputLimit: 1024,
      killGraceMs: 500,
      onOutput: (stream, chunk) => {
        text.push(`${stream}:${new TextDecoder().decode(chunk)}`);
      },
    });
    expect(lines.exit_code).toBe(0);
    const of = (name: string) =>
      text
        .filter((t) => t.startsWith(`${name}:`))
        .map((t) => t.slice(name.length + 1))
        .join("");
    const want = (p: string) => Array.from({ length: 300 }, (_, i) => `${p}${i + 1}\n`).join("");
    expect(of("stdout")).toBe(want("o"));
    expect(of("stderr")).toBe(want("e"));
  }, 60_000);

  test("a peer of another protocol version is refused by the client", async () => {
    // A fake agent that answers hello with protocol 999, then waits for its channel to close.
    // Noise first, as a login shell's rc files may print: it is skipped up to the agent's first line.
    const script = `const { encodeJson, MAGIC, T } = await import(${JSON.stringify(join(import.meta.dir, "..", "..", "src", "agent", "protocol.ts"))});
process.stdout.write("Welcome to the node! (an rc file talking)\\n");
process.stdout.write(MAGIC);
process.stdout.write(encodeJson(T.welcome, 0, { protocol: 999, version: "9.9.9", pid: process.pid }));
for await (const _ of Bun.stdin.stream()) {}`;
    const proc = Bun.spawn([process.execPath, "-e", script], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const session = new AgentSession(processChannel(proc), "old");
    await expect(session.start(0, 30_000)).rejects.toThrow("speaks protocol 999, this program 1");
    expect(await proc.exited).toBe(0); // the channel was closed: it saw its end
  }, 30_000);
});
