// A command running on a node over one SSH channel, as the connection hands it out.
import type { ClientChannel } from "ssh2";

export interface ExitStatus {
  code: number | null;
  /** "SIGTERM" style, when the process was killed by a signal. */
  signal: string | null;
}

/**
 * A command running on a node. The listeners are attached the moment the channel exists: ssh2
 * may deliver data, exit status and close in the same socket read as the exec reply, before any
 * awaiting caller gets to run, and an 'exit' event nobody listened to is lost.
 */
export interface RemoteProcess {
  channel: ClientChannel;
  /** Resolves when the node reports the exit status; never when it does not (connection lost). */
  exited: Promise<ExitStatus>;
  /** Resolves when the channel is closed (after its output ended), for whatever reason. */
  closed: Promise<void>;
  /** Is the connection that carries the channel still up (a kill's silence then means something)? */
  alive?: () => boolean;
}
