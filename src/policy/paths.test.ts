import { describe, expect, test } from "bun:test";
import type { Invocation } from "../shell/analysis.ts";
import { isBlockDevice, isLoginFile, reachesFromUnknown, resolveOperand } from "./paths.ts";
import { DEFAULT_TOKEN, isBroad, ProtectedPaths, protectedPaths } from "./protected.ts";

const table = protectedPaths();
const isProtected = (p: string) => table.reason(p) !== undefined;

describe("protected paths (the built-in list)", () => {
  test("/, ~, system directories, their children, and globs over them", () => {
    for (const p of [
      "/",
      "~",
      "~/",
      "/etc",
      "/usr/",
      "/home",
      "/System",
      "/*",
      "/e*",
      "/???",
      "~/*",
      "~/.*",
      "/var/*",
      "/.*",
      "/usr/bin",
      "/usr/lib/*",
      "/var/lib",
      "/etc/ssh",
      "/usr/local",
      "/home/u",
      "/home/u/*",
      "/lib64/ld-linux-x86-64.so.2",
      "/boot/vmlinuz*",
      "~/.ssh",
      "~/..",
      "~/../other",
      "~/../..",
      "/**/*.so",
      "/var/lib/docker",
      "/usr/lib/x86_64-linux-gnu",
    ])
      expect(`${p}: ${isProtected(p)}`).toBe(`${p}: true`);
  });

  test("anything deeper, in /tmp, or narrow globs in a protected directory is not", () => {
    for (const p of [
      "/tmp",
      "/tmp/*",
      "/tmp/build-*",
      "/usr/local/lib/node_modules/foo",
      "/usr/share/libfoo*",
      "/var/lib/apt/lists/*",
      "/usr/local/go",
      "~/project",
      "~/.cache/*",
      "~/**/*.o",
      "/home/u/proj/build",
      "/var/cache/apk/*",
      "/etc/nginx/x.conf",
      "relative/path",
      "*",
    ])
      expect(`${p}: ${isProtected(p)}`).toBe(`${p}: false`);
  });

  test("the setting replaces the list; @default stands for the built-in one", () => {
    const custom = new ProtectedPaths(["/data", "/data/*"]);
    expect(custom.reason("/data/x")).toBeDefined();
    expect(custom.reason("/usr")).toBeUndefined();
    // "/" holds /data, so it is protected as an ancestor even when not listed.
    expect(custom.reason("/")).toBeDefined();
    const added = new ProtectedPaths([DEFAULT_TOKEN, "/data"]);
    expect(added.reason("/data")).toBeDefined();
    expect(added.reason("/usr/bin")).toBeDefined();
  });

  test("broad last components", () => {
    for (const c of ["*", ".*", "?*", "[!.]*", "[a-z]*", "*.*"])
      expect(`${c}: ${isBroad(c)}`).toBe(`${c}: true`);
    for (const c of ["*.o", "build-*", "vmlinuz*", "x"])
      expect(`${c}: ${isBroad(c)}`).toBe(`${c}: false`);
  });
});

describe("operands from where the command runs", () => {
  const inv = (cwd: string[]): Invocation => ({
    argv: [],
    args: [],
    name: "rm",
    dynamicName: false,
    wrappers: [],
    redirects: [],
    piped: false,
    background: false,
    functions: [],
    cwd,
    source: "",
  });

  test("relative paths resolve against every possible directory; links are followed", () => {
    expect(resolveOperand(inv(["/"]), "*", [])).toEqual(["/*"]);
    expect(resolveOperand(inv(["/etc", "~"]), "..", [])).toEqual(["/", "~/.."]);
    expect(resolveOperand(inv(["/p"]), "x/*", [{ from: "/p/x", to: "/" }])).toEqual([
      "/p/x/*",
      "/*",
    ]);
    expect(resolveOperand(inv(["?"]), "build", [])).toEqual(["build"]);
  });

  test("from an unknown directory only paths that could reach anything are dangerous", () => {
    for (const p of [".", "..", "../x", "*", "./*", ".*"])
      expect(`${p}: ${reachesFromUnknown(p)}`).toBe(`${p}: true`);
    for (const p of ["build", "dist/x", "*.o", "/usr"])
      expect(`${p}: ${reachesFromUnknown(p)}`).toBe(`${p}: false`);
  });
});

describe("devices and login files", () => {
  test("disks and partitions are block devices; /dev/null and friends are not", () => {
    for (const d of [
      "/dev/sda",
      "/dev/sdb1",
      "/dev/nvme0n1",
      "/dev/nvme0n1p2",
      "/dev/disk0",
      "/dev/rdisk2",
      "/dev/mmcblk0p1",
      "/dev/vda",
      "/dev/xvda",
      "/dev/mapper/root",
      "/dev/sd*",
    ])
      expect(`${d}: ${isBlockDevice(d)}`).toBe(`${d}: true`);
    for (const d of [
      "/dev/null",
      "/dev/zero",
      "/dev/stdout",
      "/dev/tty",
      "/dev/fd/1",
      "/dev/urandom",
      "/dev/shm/x",
      "./dev/sda",
    ])
      expect(`${d}: ${isBlockDevice(d)}`).toBe(`${d}: false`);
  });

  test("account databases, sudo, PAM, sshd and authorized keys, also through globs and dot segments", () => {
    for (const f of [
      "/etc/passwd",
      "/etc/../etc/shadow",
      "/etc/pass*",
      "/etc/sudoers.d/u",
      "/etc/pam.d/sshd",
      "/etc/ssh/sshd_config",
      "~/.ssh/authorized_keys",
      "/root/.ssh/authorized_keys",
      "/home/u/.ssh/authorized_keys2",
    ])
      expect(`${f}: ${isLoginFile(f)}`).toBe(`${f}: true`);
    for (const f of ["/etc/passwd.bak", "passwd", "~/.ssh/id_ed25519", "/etc/hosts"])
      expect(`${f}: ${isLoginFile(f)}`).toBe(`${f}: false`);
  });
});
