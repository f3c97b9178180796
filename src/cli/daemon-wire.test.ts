// The background process's door: a front talks only to a socket of its own user, in a private
// directory; a state directory too deep for a socket path gets a private one under /tmp.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { daemonSocketPath, ensureSocketDir, socketIsOurs } from "./daemon-wire.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-wire-"));
const servers: { stop(): void }[] = [];
afterAll(() => {
  for (const s of servers) s.stop();
  rmSync(dir, { recursive: true, force: true });
});

function listen(path: string): void {
  servers.push(Bun.listen({ unix: path, socket: { data() {} } }));
}

describe("the socket's owner", () => {
  test("ours: a socket of this user; not ours: a plain file, nothing, another user's socket", () => {
    const own = join(dir, "own.sock");
    listen(own);
    expect(socketIsOurs(own)).toBe(true);
    const file = join(dir, "file.sock");
    writeFileSync(file, "");
    expect(socketIsOurs(file)).toBe(false);
    expect(socketIsOurs(join(dir, "missing.sock"))).toBe(false);
    const other = join(dir, "other.sock");
    listen(other);
    chownSync(other, 65534, 65534); // root in these tests: hand it to nobody
    expect(socketIsOurs(other)).toBe(process.getuid?.() === 65534);
  });

  test("the socket's directory must be private to this user", () => {
    const open = join(dir, "open");
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    expect(() => ensureSocketDir(open)).toThrow("not a private directory of this user");
    const theirs = join(dir, "theirs");
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    expect(() => ensureSocketDir(theirs)).toThrow("not a private directory of this user");
    const fresh = join(dir, "fresh", "deeper");
    ensureSocketDir(fresh);
    expect(() => ensureSocketDir(fresh)).not.toThrow();
  });

  test("a state directory too deep for a socket path gets a private directory under /tmp", () => {
    const short = daemonSocketPath("/var/lib/ce");
    expect(dirname(short)).toBe("/var/lib/ce");
    const deep = daemonSocketPath(`/${"d".repeat(120)}`);
    expect(dirname(deep)).toStartWith(join(tmpdir(), `cluster-exec-${process.getuid?.() ?? 0}-`));
    expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(108);
    // Two state directories never share one.
    expect(daemonSocketPath(`/${"e".repeat(120)}`)).not.toBe(deep);
  });
});
