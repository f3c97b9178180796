// When a run must be stopped: its timeout or its caller's abort, whichever comes first — and which.

/** setTimeout's largest delay (a 32-bit signed int); a longer one would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

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
  const onTimeout = () => {
    timedOut = running();
    stop();
  };
  // A delay past setTimeout's range would fire at once: long timeouts (`--timeout 1e7`) wait in steps.
  const deadline = performance.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = deadline - performance.now();
    timer = left > MAX_DELAY_MS ? setTimeout(arm, MAX_DELAY_MS) : setTimeout(onTimeout, left);
  };
  arm();
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
