// Load samples in the state database: the latest per node plus an hour of history (the status
// page charts it).
import type { Database } from "bun:sqlite";
import type { LoadSample } from "./probe.ts";
import type { SampleMethod } from "./remote-probe.ts";

export interface StoredSample extends LoadSample {
  /** Epoch ms. */
  sampled_at: number;
  method: SampleMethod;
  /** The cluster-exec on the node that answered (method "probe"). */
  via?: string;
}

/** History kept per node. */
export const HISTORY_MS = 3_600_000;

export class SampleStore {
  constructor(private readonly db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS node_samples (
      node TEXT NOT NULL, sampled_at INTEGER NOT NULL, method TEXT NOT NULL, sample TEXT NOT NULL)`);
    db.exec(
      "CREATE INDEX IF NOT EXISTS node_samples_by_time ON node_samples (node, sampled_at DESC)",
    );
    // Sampling failures live in the sampler's memory; older versions also wrote them here.
    db.exec("DROP TABLE IF EXISTS node_state");
  }

  putSample(node: string, s: StoredSample): void {
    const { sampled_at, method, ...sample } = s;
    this.db
      .query("INSERT INTO node_samples (node, sampled_at, method, sample) VALUES (?, ?, ?, ?)")
      .run(node, sampled_at, method, JSON.stringify(sample));
  }

  latest(node: string): StoredSample | undefined {
    const row = this.db
      .query<{ sampled_at: number; method: string; sample: string }, [string]>(
        "SELECT sampled_at, method, sample FROM node_samples WHERE node = ? ORDER BY sampled_at DESC LIMIT 1",
      )
      .get(node);
    return row ? toSample(row) : undefined;
  }

  /** Samples of a node since `sinceMs`, oldest first. */
  history(node: string, sinceMs: number): StoredSample[] {
    return this.db
      .query<{ sampled_at: number; method: string; sample: string }, [string, number]>(
        "SELECT sampled_at, method, sample FROM node_samples WHERE node = ? AND sampled_at >= ? ORDER BY sampled_at",
      )
      .all(node, sinceMs)
      .map(toSample);
  }

  /** Drops history older than `beforeMs`, always keeping each node's latest sample. */
  prune(beforeMs: number): number {
    return this.db
      .query(
        `DELETE FROM node_samples WHERE sampled_at < ? AND sampled_at <
         (SELECT MAX(m.sampled_at) FROM node_samples AS m WHERE m.node = node_samples.node)`,
      )
      .run(beforeMs).changes;
  }
}

function toSample(row: { sampled_at: number; method: string; sample: string }): StoredSample {
  return {
    ...(JSON.parse(row.sample) as LoadSample),
    sampled_at: row.sampled_at,
    method: row.method as SampleMethod,
  };
}
