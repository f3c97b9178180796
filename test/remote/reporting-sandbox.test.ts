// The reporting wrapper (openssh's) starting its command inside bubblewrap, run by local shells
// standing in for sshd's login shell, with every waiter: the pgbw status line, writes only in the
// workspace, exit codes and signals as bubblewrap reports them (read back as the executors do),
// the group kill reaching everything inside, and the refusals (a workspace in a system directory,
// no bwrap on the node: nothing runs).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fromWrappedStatus } from "../../src/exec/signals.ts";
import { exitOf, type TrailerStatus } from "../../src/remote/status-trailer.ts";
import { type LoginShellOpts, toolDir, viaLoginShell } from "../helpers/login-shell.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";

const box = { level: "workspace" as const, writable: [] };
const MOUNT = Bun.which("mount") ?? "mount";
const UNSHARE = Bun.which("unshare") ?? "unshare";
const TOOLS = ["bash", "sh", "sleep", "cat", "rm"];

/** name, login shell, PATH maker (undefined: this process's), whether the command has a group of its own. */
const WAITERS: [string, string, () => string | undefined, boolean][] = [
  ["bash waiter", "/bin/bash", () => undefined, true],
  ["perl waiter", "/bin/sh", () => undefined, true],
  ["shell waiter (no perl)", "/bin/sh", () => toolDir([...TOOLS, "setsid"]), true],
  ["exec'd (no perl, no setsid)", "/bin/sh", () => toolDir(TOOLS), false],
];

// Outside /tmp (the sandbox's temp directory is writable) and outside the system directories.
let ws: string;
let canary: string;
const paths: string[] = [];

beforeAll(() => {
  ws = mkdtempSync("/var/tmp/ce-ws-");
  canary = mkdtempSync("/var/tmp/ce-canary-");
  writeFileSync(`${canary}/keep`, "precious\n");
});

afterAll(() => {
  for (const p of [ws, canary, ...paths]) rmSync(p, { recursive: true, force: true });
});

/**
 * Calls `then` once both `sleep S` run (the marker is in bwrap's and the shells' command lines
 * too, which exist earlier: a TERM there is ignored by design, see sandbox/launch.ts).
 */
function whenSleeping(s: string, then: () => void): void {
  const sleeping = (l: string) => l.split(" ").slice(2).join(" ") === `sleep ${s}`;
  const both = () => liveProcesses(s).filter(sleeping).length >= 2;
  const end = performance.now() + 10_000;
  const poll = () => (both() || performance.now() > end ? then() : setTimeout(poll, 10));
  poll();
}

/** How the openssh executor reads the run's end: the status line, then bubblewrap's 128+N. */
function ending(r: Awaited<ReturnType<typeof viaLoginShell>>) {
  const exit = exitOf(r.status as TrailerStatus, r.proc.exitCode);
  return r.mark?.kind === "pgid" && r.mark.wrapped
    ? fromWrappedStatus(exit.code, exit.signal)
    : exit;
}

describe("reporting wrapper, sandboxed", () => {
  for (const [name, shell, pathOf, ownGroup] of WAITERS) {
    const opts = (): LoginShellOpts => {
      const path = pathOf();
      if (path) paths.push(path);
      return { shell, path };
    };

    test(`${name}: pgbw, writes only in the workspace, exit codes and signals as without it`, async () => {
      const o = opts();
      const r = await viaLoginShell(
        {
          command: `echo in > f && cat f && rm f; rm -rf ${canary}; echo x > ${canary}/new; exit 42`,
          cwd: ws,
          sandbox: box,
        },
        o,
      );
      expect(r.mark).toMatchObject({ kind: "pgid", wrapped: true });
      const pgid = r.mark?.kind === "pgid" ? r.mark.pgid : -1;
      expect(pgid === r.pid).toBe(!ownGroup); // the waiter stays outside the command's group
      expect(r.stdout).toBe("in\n");
      expect(r.stderr).toContain("Read-only file system");
      expect(readFileSync(`${canary}/keep`, "utf8")).toBe("precious\n");
      expect(existsSync(`${canary}/new`)).toBe(false);
      expect(ending(r)).toEqual({ code: 42, signal: null });
      const usr = await viaLoginShell({ command: "kill -USR1 $$", cwd: ws, sandbox: box }, o);
      expect(ending(usr)).toEqual({ code: null, signal: "SIGUSR1" });
    });

    test(`${name}: the group kill reaches everything inside, TERM first`, async () => {
      const o = opts();
      const s = uniqueSleep();
      const termed = await viaLoginShell(
        { command: `sleep ${s} & sleep ${s}`, cwd: ws, sandbox: box },
        { ...o, onMark: (pg) => whenSleeping(s, () => process.kill(-pg, "SIGTERM")) },
      );
      expect(ending(termed)).toEqual({ code: null, signal: "SIGTERM" });
      expect(await waitGone(s)).toEqual([]);
      // A command that ignores TERM: KILL reaches bwrap, and its PID namespace dies with it.
      const k = uniqueSleep();
      const killed = await viaLoginShell(
        { command: `trap '' TERM; sleep ${k} & sleep ${k}`, cwd: ws, sandbox: box },
        {
          ...o,
          onMark: (pg) =>
            whenSleeping(k, () => {
              process.kill(-pg, "SIGTERM");
              process.kill(-pg, "SIGKILL");
            }),
        },
      );
      // exec'd, the login shell itself was killed: only the transport could tell (ssh says 255).
      expect(ending(killed)).toEqual(
        ownGroup ? { code: null, signal: "SIGKILL" } : { code: null, signal: null },
      );
      expect(await waitGone(k)).toEqual([]);
    });

    test(`${name}: a workspace in a system directory, or a missing cwd, runs nothing`, async () => {
      const o = opts();
      const sys = await viaLoginShell({ command: "echo ran", cwd: "/etc", sandbox: box }, o);
      expect(sys.mark).toEqual({ kind: "nosandbox", reason: 2 });
      expect([sys.stdout, sys.proc.exitCode]).toEqual(["", 126]);
      const gone = await viaLoginShell({ command: "echo ran", cwd: "/no/such", sandbox: box }, o);
      expect(gone.mark).toEqual({ kind: "nocwd" });
      expect([gone.stdout, gone.proc.exitCode]).toEqual(["", 126]);
    });

    test(`${name}: no bwrap on the node: the nosb line, nothing runs unsandboxed`, async () => {
      const o = opts();
      // A mount namespace of its own where every bwrap path is /dev/null (not executable).
      const hide = `for b in /usr/bin/bwrap /usr/local/bin/bwrap /bin/bwrap; do if [ -e $b ]; then ${MOUNT} --bind /dev/null $b || exit 99; fi; done; exec "$@"`;
      const r = await viaLoginShell(
        { command: "echo ran", cwd: ws, sandbox: { level: "system", writable: [] } },
        { ...o, via: [UNSHARE, "-m", "--propagation", "private", "/bin/sh", "-c", hide, "sh"] },
      );
      expect(r.mark).toEqual({ kind: "nosandbox", reason: 1 });
      expect([r.stdout, r.proc.exitCode]).toEqual(["", 126]);
    });
  }
});
