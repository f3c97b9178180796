// Session slots of one connection: a bounded number of channels per kind, FIFO queue beyond.
import { abortError } from "../abort.ts";

/** run: a command; control: probes and kills; agent: the resident agent's one long-lived channel. */
export type ChannelKind = "run" | "control" | "agent";

interface Waiter {
  kind: ChannelKind;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SessionSlots {
  readonly inUse: Record<ChannelKind, number> = { run: 0, control: 0, agent: 0 };
  private waiters: Waiter[] = [];
  /** When a slot was last taken or given back (for idle closing). */
  lastActive = performance.now();

  constructor(limits: Omit<Record<ChannelKind, number>, "agent"> & { agent?: number }) {
    this.limits = { agent: 1, ...limits };
  }

  private readonly limits: Record<ChannelKind, number>;

  /** Free slots of a kind now. */
  free(kind: ChannelKind): number {
    return this.limits[kind] - this.inUse[kind];
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Takes a slot of `kind`, waiting in line when all are taken; the signal leaves the line. With a
   * `deadline` (performance.now() ms), a wait still in line then leaves it with `late()`'s error.
   */
  acquire(
    kind: ChannelKind,
    signal?: AbortSignal,
    deadline?: number,
    late: () => Error = () => new Error("no session became free in time"),
  ): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.lastActive = performance.now();
    if (this.inUse[kind] < this.limits[kind]) {
      this.inUse[kind]++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        kind,
        resolve: () => {
          settle();
          resolve();
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      const leave = (err: Error) => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        settle();
        reject(err);
      };
      const onAbort = () => leave(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      if (deadline !== undefined)
        timer = setTimeout(() => leave(late()), Math.max(0, deadline - performance.now()));
      this.waiters.push(waiter);
    });
  }

  /** Gives a slot back; it passes straight to the next in line of the same kind. */
  release(kind: ChannelKind): void {
    this.lastActive = performance.now();
    const next = this.waiters.findIndex((w) => w.kind === kind);
    if (next >= 0) {
      const [w] = this.waiters.splice(next, 1);
      w?.resolve();
    } else this.inUse[kind] = Math.max(0, this.inUse[kind] - 1);
  }

  /** Everyone in line gets `err` (the connection died). */
  rejectAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
