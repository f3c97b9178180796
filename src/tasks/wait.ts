// Waiting for a task: bounded polling of one row by key (25 ms growing to 250 ms), which also
// notices a dead runner and marks the task interrupted.
import { refreshed } from "./housekeeping.ts";
import type { Tasks } from "./open.ts";
import { isFinished } from "./state.ts";
import type { TaskRow } from "./store.ts";
import { getTask } from "./submit.ts";

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;

/** The task's row once finished, or as it is when `timeoutMs` has passed or `signal` aborts. */
export async function waitForTask(
  tasks: Tasks,
  id: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; until?: (row: TaskRow) => boolean } = {},
): Promise<TaskRow> {
  const deadline = performance.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
  const done = opts.until ?? ((r: TaskRow) => isFinished(r.state));
  let interval = FIRST_POLL_MS;
  for (;;) {
    const row = await refreshed(tasks, getTask(tasks, id));
    const left = deadline - performance.now();
    if (done(row) || isFinished(row.state) || left <= 0 || opts.signal?.aborted) return row;
    await sleep(Math.min(interval, left), opts.signal);
    interval = Math.min(MAX_POLL_MS, Math.ceil(interval * 1.5));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
