import { describe, expect, test } from "bun:test";
import { sandboxWriteRefusal } from "./sandbox-write.ts";

const facts = (level: string, writable: string[] = []) => ({
  level,
  home: "/home/u",
  writable,
  systemDirs: ["/usr", "/etc", "/opt"],
});

describe("put_file under a node's sandbox", () => {
  test("off: the sandbox adds nothing", () => {
    expect(sandboxWriteRefusal("/srv/data/x", facts("off"))).toBeUndefined();
  });

  test("system: nothing inside a system directory", () => {
    expect(sandboxWriteRefusal("/opt/app/conf", facts("system"))?.rule).toBe("sandbox");
    expect(sandboxWriteRefusal("/srv/data/x", facts("system"))).toBeUndefined();
  });

  test("workspace: only the home, the temp directory and writable", () => {
    for (const ok of ["/home/u/src/a.ts", "/tmp/x", "/data/cache/z", "/home/u/.npm/q"])
      expect(
        sandboxWriteRefusal(ok, facts("workspace", ["/data/cache", "~/.npm"])),
      ).toBeUndefined();
    const r = sandboxWriteRefusal("/srv/data/x", facts("workspace", ["/data/cache"]));
    expect(r).toEqual({
      rule: "sandbox",
      message:
        'the node runs commands in a "workspace" sandbox: only /home/u, /tmp, /private/tmp, /data/cache are writable there, and /srv/data/x is in none of them',
    });
    expect(sandboxWriteRefusal("/home/u/../other/x", facts("workspace"))?.rule).toBe("sandbox");
    // /var/tmp is read-only in the sandbox (only $TMPDIR or /tmp is bound writable).
    expect(sandboxWriteRefusal("/var/tmp/y", facts("workspace"))?.rule).toBe("sandbox");
  });
});
