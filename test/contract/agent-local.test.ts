// The executor contract against the resident agent, without SSH: `cluster-exec agent` started here
// with its stdin/stdout as the channel (the framed protocol, the agent's own process-group runs).
// The ssh-reached agent gets the same suite in agent-ssh.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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
