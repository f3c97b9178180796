import { describe, expect, test } from "bun:test";
import { checkWriteTarget } from "./write-target.ts";

const rule = (...p: string[]) => {
  const v = checkWriteTarget(p);
  return v.allowed ? "allowed" : v.rule;
};

describe("where a file may be written", () => {
  test("account files, system trees, disks, SSH directories and protected paths are refused", () => {
    expect(rule("/etc/passwd")).toBe("account-files");
    expect(rule("/usr/bin/ls")).toBe("system-tree");
    expect(rule("/usr/local/bin/tool")).toBe("system-tree");
    expect(rule("/etc/cron.d/job")).toBe("system-tree");
    expect(rule("/boot/vmlinuz")).toBe("protected-path"); // /boot/* in the protected-paths table
    expect(rule("/boot/grub/grub.cfg")).toBe("system-tree");
    expect(rule("/dev/sda")).toBe("block-device-write");
    expect(rule("/proc/sys/kernel/panic")).toBe("system-tree");
    expect(rule("~/.ssh/authorized_keys")).toBe("account-files"); // a login file first
    expect(rule("/home/u/.ssh/known_hosts")).toBe("ssh-directory");
    expect(rule("/root/.ssh/id_ed25519")).toBe("ssh-directory");
    expect(rule("/usr")).toBe("protected-path");
    expect(rule("/")).toBe("protected-path");
    expect(rule("/etc/pam.d/sshd")).toBe("account-files");
    expect(rule("~/.ssh/config")).toBe("ssh-directory");
  });

  test("the path is judged after . and .. are resolved, and every form given is judged", () => {
    expect(rule("/tmp/../etc/passwd")).toBe("account-files");
    expect(rule("~/project/link/passwd", "/etc/passwd")).toBe("account-files");
  });

  test("a home, /tmp, /opt, /srv and data disks are fine", () => {
    for (const p of [
      "~/src/main.ts",
      "/home/u/a.txt",
      "/tmp/x",
      "/opt/app/conf",
      "/srv/data/f",
      "/mnt/disk/f",
      "/var/tmp/f",
    ])
      expect(rule(p)).toBe("allowed");
  });

  test("protected_paths adds to what is refused", () => {
    expect(checkWriteTarget(["/data/results.csv"], ["@default", "/data/*"])).toMatchObject({
      allowed: false,
      rule: "protected-path",
    });
    expect(checkWriteTarget(["/data/results.csv"]).allowed).toBe(true);
  });

  test("the refusal says why", () => {
    const v = checkWriteTarget(["/usr/bin/python3"]);
    expect(v).toEqual({
      allowed: false,
      rule: "system-tree",
      message:
        "/usr/bin/python3 is inside the system tree /usr (programs, libraries, configuration); files are not written there",
    });
  });
});
