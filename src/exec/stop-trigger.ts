// When a run must be stopped: its timeout or its caller's abort, whichever comes first — and which.

export interface StopTrigger {
  /** The timeout fired while the command was still running. */
  readonly timedOut: boolean;
  /** The caller aborted while the command was still running (and before any timeout). */
  readonly canceled: boolean;
  dispose(): void;
}

/**
 * Calls `stop` on timeout or abort. `running()` tells whether the command itself is still running:
 * a timer or abort that fires after it ended still stops leftovers, but is not the run's ending.
 */
export function stopTrigger(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  running: () => boolean,
  stop: () => void,
): StopTrigger {
  let timedOut = false;
  let canceled = false;
  const timer = setTimeout(() => {
    timedOut = running();
    stop();
  }, timeoutMs);
  const onAbort = () => {
    canceled = running() && !timedOut;
    stop();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    get timedOut() {
      return timedOut;
    },
    get canceled() {
      return canceled;
    },
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}
