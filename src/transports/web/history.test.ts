import { describe, expect, test } from "bun:test";
import type { StoredSample } from "../../cluster/store.ts";
import { historyPoints } from "./history.ts";

const sample = (t: number, load: number): StoredSample =>
  ({
    sampled_at: t,
    cpu_percent: load * 10,
    load_1m: load,
    memory_percent: 50 + load,
    method: "script",
  }) as StoredSample;

describe("historyPoints", () => {
  test("keeps the last sample of each bucket, in time order", () => {
    const samples = [sample(0, 1), sample(5_000, 2), sample(29_999, 3), sample(30_000, 4)];
    expect(historyPoints(samples)).toEqual([
      [29_999, 30, 3, 53],
      [30_000, 40, 4, 54],
    ]);
  });

  test("an hour sampled every 5 s becomes 120 points", () => {
    const samples = Array.from({ length: 720 }, (_, i) => sample(i * 5_000, i % 7));
    expect(historyPoints(samples)).toHaveLength(120);
  });

  test("no samples, no points", () => {
    expect(historyPoints([])).toEqual([]);
  });
});
