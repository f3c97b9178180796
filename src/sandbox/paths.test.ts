import { describe, expect, test } from "bun:test";
import { workspaceRefusal, workspaceRefusalPattern } from "./paths.ts";

const DIRS = [
  "/",
  "/etc",
  "/etc/nginx",
  "/usr/local/src",
  "/opt",
  "/proc/self",
  "/dev",
  "/System/Library",
  "/home/agent/project",
  "/tmp/build",
  "/etcetera",
  "/usrlocal",
  "/root",
];

describe("which working directories a workspace sandbox refuses", () => {
  test("the root, system and kernel directories and what is inside them; nothing else", () => {
    const refused = DIRS.filter((d) => workspaceRefusal(d) !== undefined);
    expect(refused).toEqual([
      "/",
      "/etc",
      "/etc/nginx",
      "/usr/local/src",
      "/opt",
      "/proc/self",
      "/dev",
      "/System/Library",
    ]);
    expect(workspaceRefusal("/etc/nginx")).toBe(
      "the working directory /etc/nginx is inside the system directory /etc",
    );
  });

  test("the shell pattern the node checks with says the same, run by a real sh", () => {
    const script = `for d in "$@"; do case $d in ${workspaceRefusalPattern()}) echo "$d" ;; esac; done`;
    const r = Bun.spawnSync(["sh", "-c", script, "sh", ...DIRS]);
    expect(r.stdout.toString().trim().split("\n")).toEqual(
      DIRS.filter((d) => workspaceRefusal(d) !== undefined),
    );
  });
});
