// What an ssh2 pool is told: timeouts, retries, connections per node and where a node is, from
// the configuration's settings.
import type { Config, NodeConfig } from "../config/load.ts";
import { KnownHosts, knownHostsPath } from "../remote/host-keys.ts";
import { forgetAddress, nodeAddress } from "./address.ts";
import type { ConnectionOptions } from "./connection.ts";

export interface PoolOptions extends ConnectionOptions {
  /** Extra attempts after a failure that happened before the command was sent. */
  retries: number;
  /** First backoff between attempts; doubles each time. */
  backoffMs: number;
  /** A connection with no channel for this long is closed. */
  idleTimeoutMs: number;
  /** Where to connect to a node (discovery); may throw UNREACHABLE. */
  resolve: (node: NodeConfig, signal?: AbortSignal) => Promise<string>;
  /** Told when connecting to an address failed, so discovery can look again next time. */
  connectFailed?: (node: NodeConfig) => void;
  /**
   * Connections per node at most: another is opened when every run slot of the open ones is taken
   * (sshd's MaxSessions bounds each connection, not the node).
   */
  maxConnections: number;
}

export function poolOptionsFrom(config: Config, overrides: Partial<PoolOptions> = {}): PoolOptions {
  const settings = config.settings;
  return {
    resolve: (node, signal) => nodeAddress(node, config, { signal }),
    connectFailed: (node) => forgetAddress(node, config),
    connectTimeoutMs: settings.ssh_connect_timeout * 1000,
    handshakeTimeoutMs: settings.ssh_timeout * 1000,
    retries: settings.ssh_retries,
    backoffMs: 250,
    keepaliveIntervalMs: settings.ssh_keepalive * 1000,
    keepaliveCountMax: 3,
    idleTimeoutMs: 60_000,
    maxConnections: settings.ssh_connections_per_node,
    runSessions: 5,
    controlSessions: 3,
    knownHosts: new KnownHosts(knownHostsPath(settings.state_dir)),
    auth: { ssh_auth_sock: settings.ssh_auth_sock, home: settings.home },
    ...overrides,
  };
}
