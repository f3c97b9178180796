// The remote wrapper, run by local shells standing in for a login shell: the status line, the
// group it leads (also when it has to make one itself, as on an sshd that does not setsid), exact
// exit codes and signals, cwd and env. Plus the status-line reader and the kill script.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildKillScript,
  buildRemoteCommand,
  MARK_LENGTH,
  MARK_SEARCH_LIMIT,
  MarkReader,
} from "../../src/remote/remote-command.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

const shells = ["/bin/bash", "/bin/sh", "/bin/dash", "/usr/bin/zsh"].filter((s) => existsSync(s));

/** Runs the wrapper as `LOGIN_SHELL -c STRING`, like sshd, optionally already a group leader. */
async function viaLoginShell(
  shell: string,
  spec: Parameters<typeof buildRemoteCommand>[0],
  leader: boolean,
) {
  const proc = Bun.spawn([shell, "-c", buildRemoteCommand(spec)], {
    stdout: "pipe",
    stderr: "pipe",
    detached: leader, // sshd setsid()s every session; without it the wrapper must do it itself
  });
  const [out, err] = await Promise.all([
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  const reader = new MarkReader();
  const rest = new TextDecoder().decode(reader.push(new Uint8Array(out)));
  return { pid: proc.pid, mark: reader.mark, stdout: rest, stderr: err, proc };
}

describe("remote wrapper", () => {
  for (const shell of shells) {
    for (const leader of [true, false]) {
      test(`${shell}, ${leader ? "group leader (OpenSSH)" : "not a group leader"}: leads its own group, exact status`, async () => {
        const r = await viaLoginShell(
          shell,
          { command: 'echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") pid=$$"; exit 42' },
          leader,
        );
        expect(r.stderr).toBe("");
        expect(r.mark?.kind).toBe("pgid");
        const pgid = r.mark?.kind === "pgid" ? r.mark.pgid : -1;
        // no fork anywhere: the command is the very process that was started
        expect(pgid).toBe(r.pid);
        expect(r.stdout).toBe(`pgid=${r.pid} pid=${r.pid}\n`);
        expect(r.proc.exitCode).toBe(42);
        const killed = await viaLoginShell(shell, { command: "kill -USR1 $$" }, leader);
        expect(killed.proc.signalCode).toBe("SIGUSR1");
      });
    }
  }

  test("as a group leader it starts no program before the command's own bash", async () => {
    // strace follows every execve: setsid (standing in for sshd's setsid()), the login shell
    // (sh), then `bash -c CMD` — nothing between.
    const dir = mkdtempSync(join(tmpdir(), "ce-execs-"));
    try {
      const log = join(dir, "trace");
      const wrapper = buildRemoteCommand({ command: "true", cwd: "/tmp", env: { A: "b" } });
      const proc = Bun.spawn(
        [
          "strace",
          "-f",
          "-qq",
          "-e",
          "trace=execve",
          "-o",
          log,
          "setsid",
          "/bin/sh",
          "-c",
          wrapper,
        ],
        { stdout: "ignore", stderr: "pipe" },
      );
      expect(await proc.exited).toBe(0);
      const execs = (await Bun.file(log).text())
        .split("\n")
        .filter((l) => l.includes("execve(") && l.includes("= 0"))
        .map((l) => /execve\("([^"]+)"/.exec(l)?.[1]);
      expect(execs.slice(1)).toEqual(["/bin/sh", Bun.which("bash") ?? "/usr/bin/bash"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("without a setsid binary (macOS) it falls back to perl's setpgrp, still without a fork", async () => {
    const bin = mkdtempSync(join(tmpdir(), "ce-nosetsid-"));
    try {
      for (const tool of ["perl", "bash", "ps", "tr"]) {
        const path = Bun.which(tool);
        if (!path) throw new Error(`${tool} is needed for this test`);
        symlinkSync(path, join(bin, tool));
      }
      const proc = Bun.spawn(
        ["/bin/sh", "-c", buildRemoteCommand({ command: 'ps -o pgid= -p $$ | tr -d " "; exit 3' })],
        { stdout: "pipe", env: { PATH: bin } },
      );
      const out = new Uint8Array(await new Response(proc.stdout).arrayBuffer());
      await proc.exited;
      const reader = new MarkReader();
      const rest = new TextDecoder().decode(reader.push(out));
      expect(reader.mark).toEqual({ kind: "pgid", pgid: proc.pid });
      expect(rest).toBe(`${proc.pid}\n`);
      expect(proc.exitCode).toBe(3);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test("cwd, env with awkward values, stdin at EOF, bash semantics", async () => {
    const r = await viaLoginShell(
      "/bin/sh",
      {
        command: 'cat; [[ -d . ]] && printf "%s|%s|%s\\n" "$PWD" "$X" "$Y"',
        cwd: "/tmp",
        env: { X: 'it\'s "$(not run)" `nor this`', Y: "a\nb" },
      },
      true,
    );
    expect(r.stdout).toBe('/tmp|it\'s "$(not run)" `nor this`|a\nb\n');
  });

  test("sandboxed: the pgbw status line, the same group, exit codes and signals as bwrap reports them", async () => {
    const box = { level: "workspace" as const, writable: [] };
    const r = await viaLoginShell(
      "/bin/sh",
      { command: "ps -o pgid= -p $$ >/dev/null; echo in; exit 42", cwd: "/tmp", sandbox: box },
      true,
    );
    expect(r.mark).toEqual({ kind: "pgid", pgid: r.pid, wrapped: true });
    expect([r.stdout, r.stderr, r.proc.exitCode]).toEqual(["in\n", "", 42]);
    // bwrap turns a death by signal into 128 + N; the executors read it back (signals.ts).
    const killed = await viaLoginShell(
      "/bin/sh",
      { command: "kill -USR1 $$", sandbox: box, cwd: "/tmp" },
      true,
    );
    expect(killed.proc.exitCode).toBe(128 + 10);
  });

  test("sandboxed in a system directory: the nosb status line, nothing runs", async () => {
    const box = { level: "workspace" as const, writable: [] };
    const r = await viaLoginShell(
      "/bin/sh",
      { command: "echo ran", cwd: "/etc", sandbox: box },
      true,
    );
    expect(r.mark).toEqual({ kind: "nosandbox", reason: 2 });
    expect(r.stdout).toBe("");
    expect(r.proc.exitCode).toBe(126);
  });

  test("a missing cwd gives the nocd status line and runs nothing", async () => {
    const r = await viaLoginShell("/bin/sh", { command: "echo ran", cwd: "/no/such/dir" }, true);
    expect(r.mark).toEqual({ kind: "nocwd" });
    expect(r.stdout).toBe("");
    expect(r.proc.exitCode).toBe(126);
  });
});

describe("MarkReader", () => {
  const mark = new TextEncoder().encode("\x1ecluster-exec:pgid=0000004242\n");
  expect(mark.length).toBe(MARK_LENGTH);

  test("finds the line split across chunks and drops rc-file noise before it", () => {
    const r = new MarkReader();
    const noise = new TextEncoder().encode("Welcome!\n");
    const all = new Uint8Array([...noise, ...mark, ...new TextEncoder().encode("out")]);
    const got: number[] = [];
    for (let i = 0; i < all.length; i += 5) got.push(...r.push(all.subarray(i, i + 5)));
    expect(r.mark).toEqual({ kind: "pgid", pgid: 4242 });
    expect(new TextDecoder().decode(new Uint8Array(got))).toBe("out");
  });

  test("gives up past the search limit and hands everything over as output", () => {
    const r = new MarkReader();
    const big = new Uint8Array(MARK_SEARCH_LIMIT + 10).fill(120);
    expect(r.push(big).length).toBe(big.length);
    expect(r.mark).toEqual({ kind: "missing" });
    expect(r.push(mark)).toEqual(mark); // a later "mark" is just output
  });

  test("flush at end of stream returns what was held back", () => {
    const r = new MarkReader();
    expect(r.push(new TextEncoder().encode("abc")).length).toBe(0);
    expect(new TextDecoder().decode(r.flush())).toBe("abc");
    expect(r.mark).toEqual({ kind: "missing" });
  });
});

describe("kill script", () => {
  test("TERM, then KILL after the grace period for a group that ignores TERM", async () => {
    const s = uniqueSleep();
    const victim = Bun.spawn(["sh", "-c", `trap '' TERM; sleep ${s} & sleep ${s}`], {
      detached: true,
      stdout: "ignore",
    });
    const killer = Bun.spawn(["sh", "-c", buildKillScript(victim.pid, 300)]);
    const started = performance.now();
    expect(await killer.exited).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(await victim.exited).not.toBe(0);
    expect(await waitGone(s)).toEqual([]);
  });

  test("an empty group is done at once", async () => {
    const started = performance.now();
    const killer = Bun.spawn(["sh", "-c", buildKillScript(4_000_000, 5000)]);
    expect(await killer.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("refuses nonsense process groups", () => {
    expect(() => buildKillScript(1, 100)).toThrow();
    expect(() => buildKillScript(0, 100)).toThrow();
    expect(() => buildKillScript(-5, 100)).toThrow();
  });
});
