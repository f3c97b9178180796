// `__daemon` (hidden): the per-user background process, the warm pool ssh's ControlPersist would
// be. It listens on a unix socket in the state directory (0600, private directory, one process per
// state directory and build, guarded by a lock file), serves the thin fronts of the one-shot verbs
// and of every `mcp` stdio server, and exits after daemon_idle seconds without work.
import { chmodSync, closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { ClusterError } from "../errors.ts";
import { parseVerbArgs } from "./args.ts";
import { Runtimes } from "./daemon-runtimes.ts";
import { serveConnection, type VerbTable } from "./daemon-session.ts";
import { daemonSocketPath, ensureSocketDir, socketDirOf } from "./daemon-wire.ts";

export async function daemonVerb(argv: string[], verbs: VerbTable): Promise<number> {
  const { values } = parseVerbArgs("__daemon", argv, {
    "state-dir": { type: "string" },
    idle: { type: "string" },
  });
  const stateDir = values["state-dir"];
  const idleS = Number(values.idle ?? 300);
  if (!stateDir || !Number.isFinite(idleS) || idleS < 0)
    throw new ClusterError("USAGE", "__daemon: --state-dir DIR [--idle S] (internal verb)");
  const path = daemonSocketPath(stateDir);
  ensureSocketDir(socketDirOf(path));
  const lock = `${path}.lock`;
  if (!takeLock(lock)) return 0; // another one is starting or running: it serves
  const log = (m: string) => process.stderr.write(`cluster-exec daemon: ${m}\n`);
  process.on("unhandledRejection", (err) => log(`internal error (kept serving): ${err}`));

  const runtimes = new Runtimes();
  const conns = new Set<Socket>();
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => (stop = r));
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => stop());

  // Idle: no front connected and no run in flight for idleS seconds.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const checkIdle = () => {
    clearTimeout(idleTimer);
    if (conns.size > 0) return;
    idleTimer = setTimeout(() => {
      if (conns.size === 0 && runtimes.busy() === 0) stop();
      else checkIdle();
    }, idleS * 1000);
  };

  rmSync(path, { force: true }); // a dead predecessor's socket (the lock says none is alive)
  const server = createServer((sock) => {
    conns.add(sock);
    clearTimeout(idleTimer);
    void serveConnection(sock, runtimes, verbs).finally(() => {
      conns.delete(sock);
      checkIdle();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o600);
  } catch (err) {
    rmSync(lock, { force: true });
    throw new ClusterError("INTERNAL", `cannot listen on ${path}: ${(err as Error).message}`);
  }
  checkIdle();
  await stopped;
  // No new fronts; the runs in flight are stopped (their groups killed on their nodes).
  server.close();
  rmSync(path, { force: true });
  for (const c of conns) c.destroy();
  await runtimes.close();
  rmSync(lock, { force: true });
  return 0;
}

/** An exclusive lock file holding our pid; a stale one (its pid gone) is taken over. */
function takeLock(path: string): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (pid > 0 && alive(pid)) return false;
      rmSync(path, { force: true });
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
