// Mounts inside one test node's own mount namespace (its sshd runs under `unshare --mount`, and
// every session it starts shares that view): a directory of the node's own at a path every node
// would otherwise share (the test user's home is one directory on this machine), or a small tmpfs.
import { chownSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestCluster } from "./cluster.ts";

const TEST_USER_UID = () => Number(Bun.spawnSync(["id", "-u", "cetest"]).stdout.toString().trim());

function nodePid(c: TestCluster, node: string): string {
  const pid = readFileSync(join(c.dir, "nodes", node, "sshd.pid"), "utf8").trim();
  if (!/^\d+$/.test(pid)) throw new Error(`no sshd pid for ${node}`);
  return pid;
}

function inNode(c: TestCluster, node: string, args: string[]): void {
  const r = Bun.spawnSync(["nsenter", "-t", nodePid(c, node), "-m", ...args]);
  if (r.exitCode !== 0)
    throw new Error(`nsenter ${node} ${args.join(" ")}: ${r.stderr.toString()}`);
}

/** An empty directory owned by the test user at `target` (created on this machine if missing). */
function mountPoint(target: string): void {
  mkdirSync(target, { recursive: true });
}

/** The node sees `<cluster dir>/nodes/NODE/<name>` (owned by the test user) at `target`. */
export function bindOwnDir(c: TestCluster, node: string, target: string, name: string): string {
  const own = join(c.dir, "nodes", node, name);
  mkdirSync(own, { recursive: true });
  const uid = TEST_USER_UID();
  chownSync(own, uid, uid);
  mountPoint(target);
  inNode(c, node, ["mount", "--bind", own, target]);
  return own;
}

/** A tmpfs of `sizeKb` at `target` in the node's view, owned by the test user. */
export function tmpfsAt(c: TestCluster, node: string, target: string, sizeKb: number): void {
  mountPoint(target);
  const uid = TEST_USER_UID();
  inNode(c, node, [
    "mount",
    "-t",
    "tmpfs",
    "-o",
    `size=${sizeKb}k,uid=${uid},gid=${uid},mode=755`,
    "tmpfs",
    target,
  ]);
}

/** Runs a shell line as the node sees its files (its mounts), as root. */
export function nodeShell(c: TestCluster, node: string, line: string): string {
  const r = Bun.spawnSync(["nsenter", "-t", nodePid(c, node), "-m", "sh", "-c", line]);
  if (r.exitCode !== 0) throw new Error(`${node}: ${line}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
