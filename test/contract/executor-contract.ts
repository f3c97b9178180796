// The one contract every executor adapter (local, ssh) must meet, as a bun:test suite.
// An adapter only knows how to run a RunSpec somewhere and report what happened; the cases and
// their expectations are shared, so both adapters are held to exactly the same behaviour.
import { test as bunTest, describe, expect } from "bun:test";
import { createHash } from "node:crypto";
import type { RunSpec } from "../../src/exec/executor.ts";
import type { RecordedRun, RunAnswer } from "../helpers/exec-record.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

export interface ContractAdapter {
  /** Runs one spec; cancelOn / cancelAfterMs abort it through its AbortSignal. */
  run(req: RecordedRun): Promise<RunAnswer>;
}

const T = 30_000;
const BASE: Omit<RunSpec, "command" | "onOutput"> = {
  timeoutMs: 10_000,
  outputLimit: 64 * 1024,
  killGraceMs: 1000,
};

function spec(command: string, extra: Partial<RunSpec> = {}, base = BASE): RecordedRun["spec"] {
  return { ...base, command, ...extra };
}

export interface ContractOptions {
  /**
   * Cases whose semantics this adapter cannot have, each with the reason. They are not run (and
   * are listed where the adapter's contract test is); a name that is no case fails the suite.
   */
  notApplicable?: Record<string, string>;
  /**
   * A run's timeout where the case sets none (default 10 s). A scheduler's queue counts toward it:
   * an adapter that may queue its runs gives the cases room.
   */
  timeoutMs?: number;
  /** Spec fields every case gets (a sandbox: the same contract must hold inside it). */
  base?: Partial<RunSpec>;
}

/** Every case of the contract, by name (for the adapters' notApplicable lists). */
export const CONTRACT_CASES: string[] = [];

export function executorContract(
  name: string,
  adapter: () => ContractAdapter,
  opts: ContractOptions = {},
): void {
  const base = { ...BASE, ...opts.base, timeoutMs: opts.timeoutMs ?? BASE.timeoutMs };
  const run = (command: string, extra: Partial<RunSpec> = {}, o: Partial<RecordedRun> = {}) =>
    adapter().run({ spec: spec(command, extra, base), ...o });
  const skipped = opts.notApplicable ?? {};
  const test = (caseName: string, fn: () => Promise<void>, timeout: number) => {
    if (!CONTRACT_CASES.includes(caseName)) CONTRACT_CASES.push(caseName);
    if (!(caseName in skipped)) bunTest(caseName, fn, timeout);
  };

  describe(`executor contract: ${name}`, () => {
    test(
      "exit codes are reported exactly",
      async () => {
        const [ok, seven, max] = await Promise.all([
          run("true"),
          run("sh -c 'exit 7'"),
          run("exit 255"),
        ]);
        expect(ok.outcome).toMatchObject({ exit_code: 0, signal: null, timed_out: false });
        expect(seven.outcome).toMatchObject({ exit_code: 7, signal: null });
        expect(max.outcome).toMatchObject({ exit_code: 255, signal: null });
        expect(ok.outcome.error).toBeUndefined();
      },
      T,
    );

    test(
      "a signal-killed shell reports the signal, not 128+N",
      async () => {
        const [kill, term] = await Promise.all([run("kill -KILL $$"), run("kill -TERM $$")]);
        expect(kill.outcome).toMatchObject({
          exit_code: null,
          signal: "SIGKILL",
          timed_out: false,
        });
        expect(term.outcome).toMatchObject({ exit_code: null, signal: "SIGTERM" });
      },
      T,
    );

    test(
      "stdout and stderr are kept apart and streamed",
      async () => {
        const r = await run("echo out; echo err >&2; echo out2");
        expect(r.outcome.stdout).toBe("out\nout2\n");
        expect(r.outcome.stderr).toBe("err\n");
        expect(r.streamed.stdout).toBe(9);
        expect(r.streamed.stderr).toBe(4);
      },
      T,
    );

    test(
      "stdin is empty, env is exported, cwd is honoured",
      async () => {
        const r = await run('cat; printf "%s|" "$CE_A" "$CE_B"; pwd', {
          cwd: "/tmp",
          env: { CE_A: "a b'c\"$HOME", CE_B: "ünï" },
        });
        expect(r.outcome.exit_code).toBe(0);
        expect(r.outcome.stdout).toBe("a b'c\"$HOME|ünï|/tmp\n");
      },
      T,
    );

    test(
      "a missing cwd is an error and nothing runs",
      async () => {
        const dir = `/nonexistent-${uniqueSleep()}`;
        const r = await run("echo ran", { cwd: dir });
        expect(r.outcome.exit_code).toBeNull();
        expect(r.outcome.stdout).toBe("");
        expect(r.outcome.error?.code).toBe("SPAWN_FAILED");
        expect(r.outcome.error?.message).toContain(dir);
      },
      T,
    );

    test(
      "timeout kills the whole process group, grandchildren included",
      async () => {
        const s = uniqueSleep();
        const r = await run(`echo started; sh -c 'sleep ${s} & sleep ${s} & wait'; echo never`, {
          timeoutMs: 700,
        });
        expect(r.outcome.timed_out).toBe(true);
        expect(r.outcome.canceled).toBe(false);
        expect(r.outcome.exit_code).toBeNull();
        expect(r.outcome.stdout).toBe("started\n");
        expect(r.ms).toBeLessThan(700 + BASE.killGraceMs + 3000);
        expect(await waitGone(s)).toEqual([]);
      },
      T,
    );

    test(
      "a group that ignores TERM is killed after the grace period",
      async () => {
        const s = uniqueSleep();
        const r = await run(
          `trap '' TERM; echo armed; sh -c 'trap "" TERM; sleep ${s}'`,
          {
            timeoutMs: 60_000,
            killGraceMs: 300,
          },
          { cancelOn: "armed" },
        );
        expect(r.outcome.canceled).toBe(true);
        expect(r.outcome.signal).toBe("SIGKILL");
        expect(await waitGone(s)).toEqual([]);
      },
      T,
    );

    test(
      "TERM comes first: a trap gets the grace period to clean up",
      async () => {
        const s = uniqueSleep();
        const r = await run(
          `trap 'sleep 0.2; echo cleaned; exit 9' TERM; echo armed; sleep ${s} & wait`,
          { killGraceMs: 5000 },
          { cancelOn: "armed" },
        );
        expect(r.outcome.canceled).toBe(true);
        expect(r.outcome.stdout).toBe("armed\ncleaned\n");
        expect(r.outcome).toMatchObject({ exit_code: 9, signal: null });
        expect(r.ms).toBeLessThan(4000);
        expect(await waitGone(s)).toEqual([]);
      },
      T,
    );

    test(
      "cancel kills the process group and is reported as canceled",
      async () => {
        const s = uniqueSleep();
        const r = await run(`echo ready; sleep ${s}; echo never`, {}, { cancelOn: "ready" });
        expect(r.outcome.canceled).toBe(true);
        expect(r.outcome.timed_out).toBe(false);
        expect(r.outcome.stdout).toBe("ready\n");
        expect(r.ms).toBeLessThan(base.timeoutMs);
        expect(await waitGone(s)).toEqual([]);
      },
      T,
    );

    test(
      "leftovers of the group are killed once the shell exits",
      async () => {
        const held = uniqueSleep();
        const detached = uniqueSleep();
        const r = await run(
          `sleep ${held} & sleep ${detached} >/dev/null 2>&1 & echo done; exit 3`,
        );
        expect(r.outcome.exit_code).toBe(3);
        expect(r.outcome.stdout).toBe("done\n");
        expect(r.ms).toBeLessThan(base.timeoutMs);
        expect(await waitGone(held)).toEqual([]);
        expect(await waitGone(detached)).toEqual([]);
      },
      T,
    );

    test(
      "output beyond the cap keeps head and tail with a marker; every byte is still streamed",
      async () => {
        const r = await run("printf 'HEAD'; head -c 300000 /dev/zero | tr '\\0' x; printf 'TAIL'", {
          outputLimit: 2048,
        });
        expect(r.outcome.truncated).toBe(true);
        expect(r.outcome.stdout.startsWith("HEAD")).toBe(true);
        expect(r.outcome.stdout.endsWith("TAIL")).toBe(true);
        expect(r.outcome.stdout).toContain(
          `[... ${300008 - 2048} bytes truncated by cluster-exec ...]`,
        );
        expect(r.streamed.stdout).toBe(300008);
      },
      T,
    );

    test(
      "unicode survives, also when a character straddles the cut",
      async () => {
        const r = await run("printf 'héllo wörld ✓ 日本 🎉\\n'");
        expect(r.outcome.stdout).toBe("héllo wörld ✓ 日本 🎉\n");
        const cut = await run("for i in $(seq 1 2000); do printf '日本語'; done", {
          outputLimit: 1025,
        });
        expect(cut.outcome.truncated).toBe(true);
        expect(cut.outcome.stdout).not.toContain("\uFFFD");
        expect(cut.outcome.stdout.startsWith("日本語")).toBe(true);
      },
      T,
    );

    test(
      "binary output is streamed byte-exact",
      async () => {
        const r = await run("printf '\\000\\001\\377\\376abc\\n'");
        expect(Buffer.from(r.streamed.stdoutHead, "base64")).toEqual(
          Buffer.from([0, 1, 255, 254, 97, 98, 99, 10]),
        );
        expect(r.outcome.stdout).toBe("\u0000\u0001\uFFFD\uFFFDabc\n");
      },
      T,
    );

    test(
      "large output (20 MB) arrives complete and in order",
      async () => {
        const size = 20_000_000;
        const r = await run(`yes 0123456789abcdef | head -c ${size}`, { outputLimit: 1024 * 1024 });
        expect(r.outcome.exit_code).toBe(0);
        expect(r.streamed.stdout).toBe(size);
        const line = "0123456789abcdef\n";
        const expected = Buffer.from(line.repeat(Math.ceil(size / line.length))).subarray(0, size);
        expect(r.streamed.stdoutSha256).toBe(createHash("sha256").update(expected).digest("hex"));
        expect(r.outcome.truncated).toBe(true);
      },
      T,
    );

    test(
      "20 concurrent runs all complete with their own output",
      async () => {
        const runs = Array.from({ length: 20 }, (_, i) =>
          run(`echo start ${i}; sleep 0.2; echo end ${i} >&2; exit ${i % 5}`),
        );
        const results = await Promise.all(runs);
        results.forEach((r, i) => {
          expect(r.outcome.error).toBeUndefined();
          expect(r.outcome.exit_code).toBe(i % 5);
          expect(r.outcome.stdout).toBe(`start ${i}\n`);
          expect(r.outcome.stderr).toBe(`end ${i}\n`);
        });
      },
      T,
    );

    bunTest("the cases listed as not applicable are cases of the contract", () => {
      const unknown = Object.keys(skipped).filter((c) => !CONTRACT_CASES.includes(c));
      expect(unknown).toEqual([]);
      for (const why of Object.values(skipped)) expect(why.length).toBeGreaterThan(10);
    });
  });
}
