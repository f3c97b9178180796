// The reporting wrapper, run by local shells standing in for sshd's login shell: the perl waiter and
// the shell fallbacks report exit codes and signals on the status line, the command leads its own
// group (the waiter stays outside it and survives the group kill), cwd and env apply.
import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { exitOf, TrailerReader, type TrailerStatus } from "../../src/remote/status-trailer.ts";
import { toolDir, viaLoginShell } from "../helpers/login-shell.ts";
import { uniqueSleep, waitGone } from "../helpers/procs.ts";

/** name, login shell, PATH maker, the status kind it reports, whether exit 128+N is exact. */
const WAITERS: [string, string, () => string | undefined, TrailerStatus["kind"], boolean][] = [
  ["bash waiter (bash login shell)", "/bin/bash", () => undefined, "wait", true],
  ["perl waiter (sh login shell)", "/bin/sh", () => undefined, "exit", true],
  [
    "shell waiter (sh login shell, no perl)",
    "/bin/sh",
    () => toolDir(["bash", "sh", "setsid", "ps", "tr", "sleep", "kill"]),
    "approx",
    false,
  ],
];

describe("reporting wrapper", () => {
  for (const [name, shell, pathOf, kind, exact] of WAITERS) {
    test(`${name}: exit codes, a group of its own, output untouched`, async () => {
      const path = pathOf();
      try {
        const r = await viaLoginShell(
          { command: 'echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") pid=$$"; echo err >&2; exit 42' },
          { shell, path },
        );
        expect(r.mark?.kind).toBe("pgid");
        const pgid = r.mark?.kind === "pgid" ? r.mark.pgid : -1;
        expect(pgid).not.toBe(r.pid); // the waiter is outside the command's group
        expect(r.stdout).toBe(`pgid=${pgid} pid=${pgid}\n`);
        expect(r.stderr).toBe("err\n");
        expect(r.status?.kind).toBe(kind);
        expect(exitOf(r.status as TrailerStatus, r.proc.exitCode)).toEqual({
          code: 42,
          signal: null,
        });
        expect(r.proc.exitCode).toBe(42);
      } finally {
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });

    test(`${name}: a command killed by a signal is reported as that signal`, async () => {
      const path = pathOf();
      try {
        const r = await viaLoginShell({ command: "kill -TERM $$" }, { shell, path });
        expect(exitOf(r.status as TrailerStatus, r.proc.exitCode)).toEqual({
          code: null,
          signal: "SIGTERM",
        });
        const usr = await viaLoginShell({ command: "kill -USR1 $$" }, { shell, path });
        expect(exitOf(usr.status as TrailerStatus, usr.proc.exitCode)).toEqual(
          exact ? { code: null, signal: "SIGUSR1" } : { code: 138, signal: null },
        );
        const exit143 = await viaLoginShell({ command: "exit 143" }, { shell, path });
        expect(exitOf(exit143.status as TrailerStatus, exit143.proc.exitCode)).toEqual(
          exact ? { code: 143, signal: null } : { code: null, signal: "SIGTERM" },
        );
      } finally {
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });

    test(`${name}: killing the command's group leaves the waiter to report SIGKILL`, async () => {
      const path = pathOf();
      const s = uniqueSleep();
      try {
        const r = await viaLoginShell(
          { command: `trap '' TERM; sleep ${s} & sleep ${s}` },
          { shell, path, onMark: (pgid) => setTimeout(() => process.kill(-pgid, "SIGKILL"), 200) },
        );
        expect(exitOf(r.status as TrailerStatus, r.proc.exitCode)).toEqual({
          code: null,
          signal: "SIGKILL",
        });
        expect(await waitGone(s)).toEqual([]);
      } finally {
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });

    test(`${name}: the status says whether the group was left empty`, async () => {
      const path = pathOf();
      const s = uniqueSleep();
      try {
        const clean = await viaLoginShell({ command: "true" }, { shell, path });
        expect(clean.status).toMatchObject({ empty: true });
        const r = await viaLoginShell(
          { command: `sleep ${s} >/dev/null 2>&1 & echo left` },
          {
            shell,
            path,
            onMark: (pgid) => setTimeout(() => process.kill(-pgid, "SIGKILL"), 500),
          },
        );
        expect(r.status).toMatchObject({ empty: false });
        expect(r.stdout).toBe("left\n");
        expect(await waitGone(s)).toEqual([]);
      } finally {
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });

    test(`${name}: cwd and awkward env values; a missing cwd runs nothing`, async () => {
      const path = pathOf();
      try {
        const r = await viaLoginShell(
          {
            command: 'cat; [[ -d . ]] && printf "%s|%s|%s\\n" "$PWD" "$X" "$Y"',
            cwd: "/tmp",
            env: { X: 'it\'s "$(not run)" `nor this`', Y: "a\nb" },
          },
          { shell, path },
        );
        expect(r.stdout).toBe('/tmp|it\'s "$(not run)" `nor this`|a\nb\n');
        const missing = await viaLoginShell(
          { command: "echo ran", cwd: "/no/such" },
          { shell, path },
        );
        expect(missing.mark).toEqual({ kind: "nocwd" });
        expect(missing.stdout).toBe("");
        expect(missing.proc.exitCode).toBe(126);
      } finally {
        if (path) rmSync(path, { recursive: true, force: true });
      }
    });
  }

  test("with neither perl nor setsid (nor a bash login shell) the command is exec'd and says so", async () => {
    const path = toolDir(["bash", "sh"]);
    try {
      const r = await viaLoginShell({ command: "echo hi; exit 9" }, { shell: "/bin/sh", path });
      expect(r.status).toEqual({ kind: "exec" });
      expect(r.mark).toEqual({ kind: "pgid", pgid: r.pid });
      expect(r.stdout).toBe("hi\n");
      expect(exitOf({ kind: "exec" }, r.proc.exitCode)).toEqual({ code: 9, signal: null });
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});

describe("TrailerReader", () => {
  const nonce = "0123456789abcdef";
  const line = Buffer.from(`\x1ecluster-exec:${nonce}:sig=TERM,empty\n`);

  test("finds the line split at every position, keeps the output around it", () => {
    const all = Buffer.concat([Buffer.from("before\x1ecluster"), line, Buffer.from("after")]);
    for (let step = 1; step <= all.length; step++) {
      const r = new TrailerReader(nonce);
      const out: Buffer[] = [];
      for (let i = 0; i < all.length; i += step)
        out.push(Buffer.from(r.push(all.subarray(i, i + step))));
      out.push(Buffer.from(r.flush()));
      expect(Buffer.concat(out).toString()).toBe("before\x1eclusterafter");
      expect(r.status).toEqual({ kind: "signal", signal: "TERM", empty: true });
    }
  });

  test("the bash waiter's two lines: the shell's own record, then the wait status", () => {
    const read = (text: string) => {
      const r = new TrailerReader(nonce);
      const out = Buffer.concat([Buffer.from(r.push(Buffer.from(text))), Buffer.from(r.flush())]);
      return { out: out.toString(), status: r.status as TrailerStatus };
    };
    const p = `\x1ecluster-exec:${nonce}:`;
    const exit = read(`a${p}rec=143\nb${p}wait=143,sig=TERM,empty\nc`);
    expect(exit.out).toBe("abc");
    expect(exitOf(exit.status, null)).toEqual({ code: 143, signal: null });
    const killed = read(`${p}rec=0\n${p}wait=143,sig=TERM\n`);
    expect(killed.status).toEqual({
      kind: "wait",
      code: 143,
      signal: "TERM",
      rec: 0,
      empty: false,
    });
    expect(exitOf(killed.status, null)).toEqual({ code: null, signal: "SIGTERM" });
    expect(exitOf(read(`${p}wait=137,sig=KILL\n`).status, null)).toEqual({
      code: null,
      signal: "SIGKILL",
    });
  });

  test("another nonce, or a line that is no status, is plain output", () => {
    const r = new TrailerReader(nonce);
    const other = "\x1ecluster-exec:ffffffffffffffff:exit=0\n";
    const bogus = `\x1ecluster-exec:${nonce}:exit=999\n`;
    const text = other + bogus + "x".repeat(100);
    const got = Buffer.concat([Buffer.from(r.push(Buffer.from(text))), Buffer.from(r.flush())]);
    expect(got.toString()).toBe(text);
    expect(r.status).toBeUndefined();
  });

  test("a shell's 128+N is read as signal N only for signals numbered alike everywhere", () => {
    expect(exitOf({ kind: "approx", code: 143, empty: true }, 143)).toEqual({
      code: null,
      signal: "SIGTERM",
    });
    expect(exitOf({ kind: "approx", code: 138, empty: true }, 138)).toEqual({
      code: 138,
      signal: null,
    });
    expect(exitOf({ kind: "approx", code: 255, empty: true }, 255)).toEqual({
      code: 255,
      signal: null,
    });
  });
});

test("tools the tests rely on exist", () => {
  expect(existsSync("/bin/bash")).toBe(true);
  expect(Bun.which("perl")).not.toBeNull();
});
