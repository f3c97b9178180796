// No run outlives its owner, on this machine: a runner killed with SIGKILL leaves its command
// running; the next sweep kills the command's process group here and records it. Sandboxed, the
// command dies with its runner at once (bubblewrap's --die-with-parent).
import { afterAll, describe, expect, test } from "bun:test";
import { cli } from "../helpers/cli.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { eventually, type TempSetup, tempSetup } from "./helpers.ts";

const setups: TempSetup[] = [];
const markers: string[] = [];
afterAll(() => {
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  for (const s of setups) s.cleanup();
});

async function startAndKillRunner(sandbox: string[]) {
  const s = tempSetup();
  setups.push(s);
  const m = uniqueSleep();
  markers.push(m);
  const sub = await cli(["submit", ...sandbox, "--", `sleep ${m} & sleep ${m}`], { env: s.env });
  expect(sub.code).toBe(0);
  const id = sub.stdout.trim();
  const sleeps = () => liveProcesses(m).filter((l) => l.split(" ")[2] === "sleep");
  await eventually(() => (sleeps().length === 2 ? true : undefined), 20_000, "the sleeps");
  const runner = liveProcesses(`__run-task ${id}`);
  expect(runner).toHaveLength(1);
  process.kill(Number(runner[0]?.split(" ")[0]), "SIGKILL");
  const status = async () =>
    JSON.parse((await cli(["status", "--json", id], { env: s.env })).stdout) as {
      state: string;
      process_group?: { pgid: number; node: string | null; kill?: string };
    };
  return { m, sleeps, status };
}

describe("a runner killed with SIGKILL on this machine", () => {
  test("unsandboxed: its command runs on until the next sweep kills the group", async () => {
    const { sleeps, status } = await startAndKillRunner([]);
    await Bun.sleep(300);
    expect(sleeps()).toHaveLength(2);
    const after = await status();
    expect(sleeps()).toEqual([]);
    expect(after.state).toBe("interrupted");
    expect(after.process_group?.node).toBeNull();
    expect(after.process_group?.kill).toBe(
      `process group ${after.process_group?.pgid} on this machine was killed (TERM, then KILL after 2 s if still alive)`,
    );
  }, 60_000);

  test("sandboxed: the command dies with its runner; the sweep finds the group gone", async () => {
    const { m, status } = await startAndKillRunner(["--sandbox", "workspace"]);
    expect(await waitGone(m, 5000)).toEqual([]);
    const after = await status();
    expect(after.state).toBe("interrupted");
    expect(after.process_group?.kill).toBe(
      `process group ${after.process_group?.pgid} on this machine had already ended`,
    );
  }, 60_000);
});
