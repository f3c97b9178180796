// A node's last hour of samples for the sparklines: one point per bucket (the bucket's last
// sample), so a page gets ~120 points per node whatever the sampling interval.
import type { StoredSample } from "../../cluster/store.ts";

/** [epoch ms, cpu %, load 1 min, memory %] */
export type HistoryPoint = [number, number, number, number];

export const BUCKET_MS = 30_000;

export function historyPoints(samples: StoredSample[], bucketMs = BUCKET_MS): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  let lastBucket = Number.NaN;
  for (const s of samples) {
    const point: HistoryPoint = [s.sampled_at, s.cpu_percent, s.load_1m, s.memory_percent];
    const bucket = Math.floor(s.sampled_at / bucketMs);
    if (bucket === lastBucket) out[out.length - 1] = point;
    else out.push(point);
    lastBucket = bucket;
  }
  return out;
}
