// Background tasks on a real sshd node of a netns test cluster: submit returns at once, wait
// relays the remote output and exit code, cancel kills the remote process group.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { cli, testEnv } from "../helpers/ctl-harness.ts";
import { liveProcesses, uniqueSleep, waitGone } from "../helpers/procs.ts";
import { eventually } from "./helpers.ts";

const T = 60_000;
let c: TestCluster;
let env: Record<string, string>;
const markers: string[] = [];

beforeAll(async () => {
  c = await startCluster(1);
  env = testEnv(c);
}, T);

afterAll(async () => {
  for (const m of markers)
    for (const line of liveProcesses(m)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch {}
    }
  await c?.down();
}, T);

const statusOf = async (id: string) =>
  JSON.parse((await cli(c, ["status", "--json", id], env)).stdout) as Record<string, unknown>;

describe("background tasks on a remote node", () => {
  test(
    "submit returns in < 1 s for a 30 s remote command; cancel kills it on the node",
    async () => {
      const marker = uniqueSleep().replace(/^600/, "30");
      markers.push(marker);
      const sub = await cli(
        c,
        [
          "submit",
          "--node",
          "n1",
          "--",
          `echo started; sleep ${marker} & sleep ${marker}; echo never`,
        ],
        env,
      );
      expect(sub.stderr).toBe("");
      expect(sub.code).toBe(0);
      expect(sub.ms).toBeLessThan(1000);
      const id = sub.stdout.trim();
      const sleeps = () => liveProcesses(marker).filter((l) => l.split(" ")[2] === "sleep");
      await eventually(() => (sleeps().length === 2 ? true : undefined), 20_000, "remote sleeps");
      // They run under the node's sshd, not under our runner.
      const ancestors = (pid: number): string[] => {
        const names: string[] = [];
        for (let p = pid; p > 1 && names.length < 10; ) {
          const stat = readFileSync(`/proc/${p}/stat`, "latin1");
          names.push(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
          p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        }
        return names;
      };
      expect(ancestors(Number(sleeps()[0]?.split(" ")[0]))).toContain("sshd");
      expect(await statusOf(id)).toMatchObject({ state: "running", node: "n1" });

      const cancel = await cli(c, ["cancel", id], env);
      expect(cancel.stderr).toBe("");
      expect(cancel.code).toBe(0);
      expect(await waitGone(marker, 5000)).toEqual([]);
      expect(await statusOf(id)).toMatchObject({ state: "canceled", canceled: true });
      const logs = await cli(c, ["logs", id], env);
      expect(logs.stdout).toBe("started\n");
    },
    T,
  );

  test(
    "wait prints the remote output and exits with the remote exit code",
    async () => {
      const id = (
        await cli(c, ["submit", "--node", "n1", "--", "hostname; echo oops >&2; exit 5"], env)
      ).stdout.trim();
      const w = await cli(c, ["wait", id], env);
      expect([w.code, w.stdout, w.stderr]).toEqual([5, "n1\n", "oops\n"]);
    },
    T,
  );
});
