// The openssh transport's tunables, from the settings: timeouts, retries, session widths, pins.
import type { Config } from "../config/load.ts";
import { KnownHosts, knownHostsPath } from "../remote/host-keys.ts";

export interface OpensshOptions {
  ssh: string;
  stateDir: string;
  sshConfig?: string;
  connectTimeoutS: number;
  handshakeTimeoutS: number;
  keepaliveS: number;
  /** Extra attempts after a failure before the command was sent. */
  retries: number;
  backoffMs: number;
  /** ControlPersist: seconds a master with no session stays up. */
  persistS: number;
  /** Concurrent runs per master (sshd's MaxSessions, 10 by default, counts every session). */
  runSessions: number;
  /** Extra sessions for kills and probes, so a full master can still stop its own commands. */
  controlSessions: number;
  knownHosts: KnownHosts;
}

export function opensshOptionsFrom(
  config: Config,
  overrides: Partial<OpensshOptions> = {},
): OpensshOptions {
  const s = config.settings;
  return {
    ssh: "ssh",
    stateDir: s.state_dir,
    sshConfig: s.ssh_config,
    connectTimeoutS: s.ssh_connect_timeout,
    handshakeTimeoutS: s.ssh_timeout,
    keepaliveS: s.ssh_keepalive,
    retries: s.ssh_retries,
    backoffMs: 250,
    persistS: 60,
    runSessions: 5,
    controlSessions: 3,
    knownHosts: new KnownHosts(knownHostsPath(s.state_dir)),
    ...overrides,
  };
}
