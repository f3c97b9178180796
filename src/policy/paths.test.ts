import { describe, expect, test } from "bun:test";
import { isAccountFile, isBlockDevice, normalise, protectedReason, resolvePaths } from "./paths.ts";

describe("normalise and resolve", () => {
  test("lexical normalisation keeps ~ as the home marker", () => {
    expect(normalise("//usr/./bin/../")).toBe("/usr");
    expect(normalise("/..")).toBe("/");
    expect(normalise("~/")).toBe("~");
    expect(normalise("~/a/../..")).toBe("~");
    expect(normalise("~root/x")).toBe("/root/x");
  });

  test("relative paths resolve against known working directories only", () => {
    expect(resolvePaths("*", ["/"])).toEqual(["/*"]);
    expect(resolvePaths("build", ["."])).toEqual(["build"]);
    expect(resolvePaths("..", ["/etc"])).toEqual(["/"]);
  });
});

describe("protected paths", () => {
  test("/, ~, top-level system directories and globs over them", () => {
    for (const p of [
      "/",
      "~",
      "/etc",
      "/usr/",
      "/home",
      "/System",
      "/*",
      "/e*",
      "/???",
      "~/*",
      "/var/*",
      "/.*",
    ])
      expect(`${p}: ${protectedReason(p) !== undefined}`).toBe(`${p}: true`);
  });

  test("anything deeper, relative or in /tmp is not protected", () => {
    for (const p of [
      "/tmp",
      "/tmp/*",
      "/usr/local",
      "/usr/local/*",
      "~/project",
      "./build",
      "*",
      "/etc/nginx/x.conf",
    ])
      expect(`${p}: ${protectedReason(p) !== undefined}`).toBe(`${p}: false`);
  });
});

describe("devices and account files", () => {
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

  test("account databases, also through globs and dot segments", () => {
    expect(isAccountFile("/etc/passwd")).toBe(true);
    expect(isAccountFile("/etc/../etc/shadow")).toBe(true);
    expect(isAccountFile("/etc/pass*")).toBe(true);
    expect(isAccountFile("/etc/passwd.bak")).toBe(false);
    expect(isAccountFile("passwd")).toBe(false);
  });
});
