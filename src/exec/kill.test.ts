import { describe, expect, test } from "bun:test";
import { groupAlive, terminateGroup } from "./kill.ts";

/** Starts `bash -c script` as the leader of a new process group and waits for its "ready" line. */
async function startGroup(script: string) {
  const proc = Bun.spawn(["bash", "-c", script], {
    detached: true,
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!seen.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`group exited before ready: ${seen}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return proc;
}

describe("terminateGroup", () => {
  test("kills the leader and its grandchildren with SIGTERM", async () => {
    const proc = await startGroup("sleep 301 & (sleep 302 &) ; echo ready; wait");
    expect(groupAlive(proc.pid)).toBe(true);
    await terminateGroup(proc.pid, 5000);
    await proc.exited;
    expect(proc.signalCode).toBe("SIGTERM");
    expect(groupAlive(proc.pid)).toBe(false);
  });

  test("escalates to SIGKILL after the grace period when TERM is ignored", async () => {
    const proc = await startGroup("trap '' TERM; (trap '' TERM; sleep 303) & echo ready; wait");
    const started = performance.now();
    await terminateGroup(proc.pid, 300);
    await proc.exited;
    const elapsed = performance.now() - started;
    expect(proc.signalCode).toBe("SIGKILL");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(groupAlive(proc.pid)).toBe(false);
  });

  test("a group that is already gone is a no-op", async () => {
    const proc = Bun.spawn(["true"], { detached: true });
    await proc.exited;
    await terminateGroup(proc.pid, 1000);
    expect(groupAlive(proc.pid)).toBe(false);
  });
});
