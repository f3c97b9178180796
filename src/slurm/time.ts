// Slurm time limits: the --time forms of the configuration in minutes, and the limit a job is given.

/** Minutes in a Slurm time (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S), rounded up; NaN when unreadable. */
export function slurmMinutes(t: string): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t.trim());
  if (!m) return Number.NaN;
  const [, d, a, b, c] = m;
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  let seconds: number;
  if (d !== undefined) seconds = n(d) * 86_400 + n(a) * 3600 + n(b) * 60 + n(c);
  else if (c !== undefined) seconds = n(a) * 3600 + n(b) * 60 + n(c);
  else if (b !== undefined) seconds = n(a) * 60 + n(b);
  else seconds = n(a) * 60;
  return Math.ceil(seconds / 60);
}

/**
 * The job's --time: the node's time_limit when configured, else the run's own timeout plus a
 * minute. It is only a safety net (a job whose client vanished still ends): the run's timeout is
 * enforced by cluster-exec with scancel, because Slurm checks limits only every ~30 s.
 */
export function jobTimeLimit(timeLimit: string | undefined, timeoutMs: number): string {
  if (timeLimit !== undefined) return timeLimit;
  return String(Math.max(1, Math.ceil(timeoutMs / 60_000) + 1));
}
