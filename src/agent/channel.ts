// The one duplex byte stream an agent session rides on, whatever transport opened it: an ssh2 exec
// channel, or an `ssh` session process over a ControlMaster. Adapters live with the transports'
// wiring (src/run/agents.ts); the agent client only sees this.

export interface AgentChannel {
  /** Queues bytes towards the agent (small control frames: no backpressure needed). */
  write(bytes: Uint8Array): void;
  /** Every chunk the agent sends, in order. Set once, before the first write. */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the channel is gone for any reason (closed by either side, connection lost). */
  onClose(listener: () => void): void;
  /** What the remote side printed on stderr so far (why an agent did not start), bounded. */
  stderr(): string;
  /** Closes the channel: the agent sees its end and kills what it still runs. */
  close(): void;
}
