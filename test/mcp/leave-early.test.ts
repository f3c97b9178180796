// A client that leaves while a node is still being connected to: the server exits at once, it does
// not sit out the node's connect or handshake timeout (a CI run once saw `mcp` outlive its client
// by 20 s; with a 60 s connect timeout it waited 60 s).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { INITIALIZE } from "../helpers/mcp.ts";
import { eventually } from "../tasks/helpers.ts";

let c: TestCluster;

describe("mcp whose client leaves at once", () => {
  beforeAll(async () => {
    c = await startCluster(2);
    // No FIN, no RST: a connect to n2 waits for its full timeout (60 s below).
    await c.script("link-down", "n2");
  });
  afterAll(async () => {
    await c?.down();
  });

  for (const transport of ["ssh2", "openssh"])
    test(`${transport}: stdin closed while the connect to a node hangs: exit 0 at once, not after ssh_connect_timeout`, async () => {
      const ns = `${c.id}-ctl`;
      // openssh: the nodes by their Host aliases in the cluster's ssh_config.
      let config = c.configPath;
      if (transport === "openssh") {
        config = join(c.dir, "leave-openssh.toml");
        writeFileSync(
          config,
          `[defaults]\ntransport = "openssh"\nssh_config = "${join(c.dir, "ssh_config")}"\n[nodes.n1]\nhost = "n1"\n[nodes.n2]\nhost = "n2"\n`,
        );
      }
      const proc = Bun.spawn(
        ["ip", "netns", "exec", ns, process.execPath, CLI, "--config", config, "mcp"],
        {
          env: {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: c.dir,
            CLUSTER_NO_DAEMON: "1",
            CLUSTER_MDNS_TIMEOUT: "0",
            CLUSTER_STATE_DIR: join(c.dir, `leave-${transport}`),
            CLUSTER_SSH_TRANSPORT: transport,
            CLUSTER_SSH_CONNECT_TIMEOUT: "60",
            CLUSTER_SSH_TIMEOUT: "60",
          },
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const stdout = new Response(proc.stdout).text();
      const stderr = new Response(proc.stderr).text();
      proc.stdin.write(`${JSON.stringify(INITIALIZE)}\n`);
      await proc.stdin.flush();
      // The sampler's connect to n2 is under way (ssh2's socket or `ssh -M`'s): SYN sent, no answer.
      await eventually(
        () => {
          const ss = Bun.spawnSync(["ip", "netns", "exec", ns, "ss", "-Htn", "state", "syn-sent"]);
          return ss.stdout.toString().trim() || undefined;
        },
        30_000,
        "a connect in progress",
      );
      const left = performance.now();
      await proc.stdin.end();
      const code = await proc.exited;
      const took = performance.now() - left;
      expect({ code, stderr: await stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse((await stdout).split("\n")[0] as string).result.serverInfo.name).toBe(
        "cluster-exec",
      );
      // Stopping runs may take kill_grace + ssh_timeout; there are none, and nothing else may wait.
      expect(took).toBeLessThan(20_000);
    }, 180_000);
});
