// The resident agents of the remote nodes: started on first need over whichever transport reaches
// the node (one ssh2 exec channel, or one `ssh` session over the ControlMaster), used for every
// run and sample while up, closed when idle. A node without a compatible binary at binary_path is
// remembered as such (per-command exec is its path) and asked again later.
import { AgentSession, AgentUnavailable, type PushedSample } from "../agent/client.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { toClusterError } from "../errors.ts";
import { openOpensshAgentChannel } from "../openssh/agent-channel.ts";
import type { OpensshHub } from "../openssh/hub.ts";
import { shellQuote } from "../shell/quote.ts";
import { openSshAgentChannel } from "../ssh/agent-channel.ts";
import type { SshPool } from "../ssh/pool.ts";

/** Where cluster-exec is looked for on a node without binary_path (the deploy default). */
export const DEFAULT_BINARY_PATH = "~/.local/bin/cluster-exec";
/** A node found without a usable agent is asked again after this long. */
const RETRY_MS = 60_000;
const IDLE_CHECK_MS = 5_000;

export type AgentState = "off" | "unknown" | "starting" | "up" | "unavailable";

export interface AgentStatus {
  state: AgentState;
  /** Why (unavailable), or what runs there (up). */
  detail: string;
}

interface Entry {
  state: AgentState;
  detail: string;
  session?: AgentSession;
  starting?: Promise<AgentSession | undefined>;
  retryAt: number;
}

export interface Agents {
  /** The node's session when up; otherwise undefined, and a start begins in the background. */
  session(node: NodeConfig, transport: "ssh2" | "openssh"): AgentSession | undefined;
  /** The same, but waits for a start in progress (or begun now) to succeed or fail. */
  ensure(node: NodeConfig, transport: "ssh2" | "openssh"): Promise<AgentSession | undefined>;
  /** A load sample through the agent: the pushed one when fresh, else asked for now. */
  sample(
    node: NodeConfig,
    transport: "ssh2" | "openssh",
    timeoutMs: number,
  ): Promise<PushedSample | undefined>;
  status(node: string): AgentStatus;
  close(): void;
}

export interface AgentsDeps {
  pool: SshPool;
  openssh: OpensshHub;
  /** false: every node uses per-command exec (one-shot processes, `agent = "off"`). */
  enabled: boolean;
  /** Sessions without runs or sample reads for this long are closed. */
  idleTimeoutMs?: number;
}

/** The line the node's login shell gets: exec the binary as the agent (`~/` is the user's home). */
export function agentCommand(node: NodeConfig): string {
  const path = node.binary_path ?? DEFAULT_BINARY_PATH;
  const quoted = path.startsWith("~/") ? `"$HOME"/${shellQuote(path.slice(2))}` : shellQuote(path);
  return `exec ${quoted} agent`;
}

export function createAgents(config: Config, deps: AgentsDeps): Agents {
  const entries = new Map<string, Entry>();
  const intervalMs = config.settings.sample_interval * 1000;
  const startTimeoutMs = (config.settings.ssh_timeout + 15) * 1000;
  const idleMs = deps.idleTimeoutMs ?? 60_000;
  let closed = false;
  const entry = (name: string): Entry => {
    let e = entries.get(name);
    if (!e) {
      e = { state: "unknown", detail: "not started yet", retryAt: 0 };
      entries.set(name, e);
    }
    return e;
  };

  const start = (node: NodeConfig, transport: "ssh2" | "openssh", e: Entry) => {
    e.state = "starting";
    e.detail = `starting ${node.binary_path ?? DEFAULT_BINARY_PATH} agent`;
    const p = (async () => {
      const command = agentCommand(node);
      const channel =
        transport === "openssh"
          ? await openOpensshAgentChannel(deps.openssh, node, command)
          : await openSshAgentChannel(deps.pool, node, command);
      const session = new AgentSession(channel, node.name);
      const welcome = await session.start(intervalMs, startTimeoutMs);
      if (closed) {
        session.close();
        return undefined;
      }
      e.session = session;
      e.state = "up";
      e.detail = `cluster-exec ${welcome.version} agent (pid ${welcome.pid}) over one ${transport} channel`;
      session.onClose(() => {
        if (e.session !== session) return;
        e.session = undefined;
        e.state = "unknown";
        e.detail = "its channel closed; started again when next needed";
      });
      return session;
    })().catch((err: unknown) => {
      const why =
        err instanceof AgentUnavailable
          ? `no usable cluster-exec at ${node.binary_path ?? DEFAULT_BINARY_PATH}: ${err.message}`
          : `agent not started: ${toClusterError(err).message}`;
      e.state = "unavailable";
      e.detail = `${why}; per-command exec`;
      e.retryAt = performance.now() + RETRY_MS;
      return undefined;
    });
    e.starting = p;
    void p.finally(() => {
      if (e.starting === p) e.starting = undefined;
    });
    return p;
  };

  const begin = (node: NodeConfig, transport: "ssh2" | "openssh") => {
    const e = entry(node.name);
    if (!deps.enabled || closed) return { e, p: undefined };
    if (e.session?.alive) return { e, p: Promise.resolve(e.session) };
    if (e.starting) return { e, p: e.starting };
    if (e.state === "unavailable" && performance.now() < e.retryAt) return { e, p: undefined };
    return { e, p: start(node, transport, e) };
  };

  // Idle sessions are closed so that an idle connection can close too.
  const idleTimer = setInterval(() => {
    const now = performance.now();
    for (const e of entries.values())
      if (e.session && e.session.idleFor(now) > idleMs) {
        const s = e.session;
        e.session = undefined;
        e.state = "unknown";
        e.detail = "closed when idle; started again when next needed";
        s.close();
      }
  }, IDLE_CHECK_MS);
  idleTimer.unref();

  return {
    session(node, transport) {
      const { e } = begin(node, transport);
      return e.session?.alive ? e.session : undefined;
    },
    async ensure(node, transport) {
      return begin(node, transport).p;
    },
    async sample(node, transport, timeoutMs) {
      const { e } = begin(node, transport);
      const s = e.session;
      if (!s?.alive) return undefined;
      s.touch();
      const latest = s.latest;
      if (latest && !latest.error && Date.now() - latest.at < intervalMs * 1.5) return latest;
      return s.requestSample(timeoutMs);
    },
    status(name) {
      if (!deps.enabled)
        return { state: "off", detail: "agents are not used by this process (per-command exec)" };
      const e = entries.get(name);
      return e
        ? { state: e.state, detail: e.detail }
        : { state: "unknown", detail: "not started yet" };
    },
    close() {
      closed = true;
      clearInterval(idleTimer);
      for (const e of entries.values()) e.session?.close();
    },
  };
}
