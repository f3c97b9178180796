// Test helper: a real one-node Slurm (munged + slurmctld + slurmd) inside one node of a test
// cluster (scripts/test-slurm.sh). Needs root and `bash scripts/test-slurm.sh deps`.
//
// The daemons run in the node's namespaces, so an SSH session as cetest into that node can use
// srun/sbatch/squeue/scontrol/sinfo/scancel with no environment (the config is bind-mounted over
// /etc/slurm in the node only). Plain `sacct` does not work (no slurmdbd); `sacct -c` (the job
// completion log) does, and finished jobs stay in `squeue -t all` / `scontrol show job` for an hour.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CtlOptions, ExecResult, TestCluster } from "./cluster.ts";

export interface TestSlurm {
  cluster: TestCluster;
  /** The node that runs the daemons and is the submit host (e.g. "n1"). */
  node: string;
  /** The node's address on the test network (what an SSH transport connects to). */
  nodeIp: string;
  /** $CLUSTER_DIR/slurm: config, munge key and socket, state, logs. */
  dir: string;
  /** slurm.conf; clients outside the node's SSH sessions need SLURM_CONF=confPath. */
  confPath: string;
  /** Runs args as root inside the node (its network, hostname and mount namespaces). */
  exec(args: string[], opts?: CtlOptions): Promise<ExecResult>;
  /** Runs a shell command as cetest over a fresh OpenSSH session into the node, from ctl. */
  ssh(command: string, opts?: CtlOptions): Promise<ExecResult>;
  /** Cancels every job, stops the daemons, removes `dir`; the test cluster stays up. */
  stop(): Promise<void>;
}

export const SLURM_SCRIPT_PATH = join(import.meta.dir, "..", "..", "scripts", "test-slurm.sh");

const live = new Map<string, Record<string, string>>(); // cluster id -> script env, for the exit hook

function scriptEnv(cluster: TestCluster): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("SLURM_") && !k.startsWith("CLUSTER_")) env[k] = v;
  env.CE_CLUSTER_ID = cluster.id;
  env.CE_CLUSTER_DIR = cluster.dir;
  return env;
}

async function run(
  argv: string[],
  env: Record<string, string>,
  opts: CtlOptions = {},
): Promise<ExecResult> {
  const proc = Bun.spawn(argv, {
    env: { ...env, ...(opts.env ?? {}) },
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, killSignal: "SIGKILL" } : {}),
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  return { code: proc.exitCode, stdout, stderr };
}

/** The node's address, read from the cluster's config (`[nodes.nI]` ... `ip = "..."`). */
function nodeIpOf(cluster: TestCluster, node: string): string {
  const cfg = readFileSync(cluster.configPath, "utf8");
  const m = new RegExp(`\\[nodes\\.${node}\\][^[]*?\\nip = "([^"]+)"`).exec(cfg);
  if (!m?.[1]) throw new Error(`no ip for ${node} in ${cluster.configPath}`);
  return m[1];
}

export async function startSlurm(cluster: TestCluster, node = "n1"): Promise<TestSlurm> {
  if (!cluster.nodes.includes(node)) throw new Error(`unknown node ${node} (${cluster.nodes})`);
  const env = scriptEnv(cluster);
  const script = (...args: string[]) => run(["bash", SLURM_SCRIPT_PATH, ...args], env);

  live.set(cluster.id, env);
  const up = await script("up", node);
  if (up.code !== 0) {
    await script("down");
    live.delete(cluster.id);
    throw new Error(`test-slurm.sh up ${node} failed (${up.code}):\n${up.stderr}${up.stdout}`);
  }
  const confPath = up.stdout.trim().split("\n").at(-1) ?? "";
  const nodeIp = nodeIpOf(cluster, node);
  const slurm: TestSlurm = {
    cluster,
    node,
    nodeIp,
    dir: join(cluster.dir, "slurm"),
    confPath,
    exec: (args, opts) => run(["bash", SLURM_SCRIPT_PATH, "exec", ...args], env, opts),
    ssh: (command, opts) =>
      cluster.ctl(
        [
          "ssh",
          "-i",
          cluster.keyPath,
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "BatchMode=yes",
          "-o",
          "LogLevel=ERROR",
          "-o",
          "ConnectTimeout=5",
          `cetest@${nodeIp}`,
          command,
        ],
        opts,
      ),
    stop: () => stopSlurm(slurm),
  };
  return slurm;
}

/**
 * Writes the cluster's config plus a `kind = "slurm"` node (default `hpc`, partition `debug`) whose
 * submit host is the Slurm node, reached over SSH like any node; returns its path.
 */
export function writeSlurmConfig(
  slurm: TestSlurm,
  opts: { name?: string; partition?: string; extra?: string; file?: string } = {},
): string {
  const name = opts.name ?? "hpc";
  const path = join(slurm.cluster.dir, opts.file ?? `cluster-${name}.toml`);
  const base = readFileSync(slurm.cluster.configPath, "utf8");
  writeFileSync(
    path,
    `${base}\n[nodes.${name}]\nkind = "slurm"\nhost = "${slurm.node}.local"\nip = "${slurm.nodeIp}"\npartition = "${opts.partition ?? "debug"}"\n${opts.extra ?? ""}`,
  );
  return path;
}

export async function stopSlurm(slurm: TestSlurm): Promise<void> {
  const env = scriptEnv(slurm.cluster);
  const r = await run(["bash", SLURM_SCRIPT_PATH, "down"], env);
  live.delete(slurm.cluster.id);
  if (r.code !== 0) throw new Error(`test-slurm.sh down failed (${r.code}):\n${r.stderr}`);
}

// Last resort if a test file dies without stopping its Slurm (the cluster's own exit hook would
// also kill the daemons: they live in the node's namespace and name the cluster dir).
process.on("exit", () => {
  for (const env of live.values()) {
    Bun.spawnSync(["bash", SLURM_SCRIPT_PATH, "down"], { env, stdout: "ignore", stderr: "ignore" });
  }
});
