import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { controlDir, ensureControlDir, MAX_SOCKET_PATH } from "./control-dir.ts";

test("sockets go under the state directory while the path fits a unix socket, else a short private dir", () => {
  expect(controlDir("/home/u/.local/state/cluster-exec")).toBe(
    "/home/u/.local/state/cluster-exec/cm",
  );
  const long = `/Users/${"x".repeat(40)}/.local/state/cluster-exec`;
  const dir = controlDir(long, 501);
  expect(dir).toMatch(/^\/tmp\/cluster-exec-501-[0-9a-f]{8}$/);
  expect(dir.length + 41).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  expect(controlDir(long, 501)).toBe(dir); // stable per state directory
  expect(controlDir(`${long}2`, 501)).not.toBe(dir);
});

test("a socket directory others may enter is refused", () => {
  const base = mkdtempSync(join(tmpdir(), "ce-cm-"));
  try {
    const dir = join(base, "cm");
    expect(ensureControlDir(dir)).toBe(dir);
    chmodSync(dir, 0o755);
    expect(() => ensureControlDir(dir)).toThrow(/mode 755; expected this user's .* and 700/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
