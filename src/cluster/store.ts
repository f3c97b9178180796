// Load samples and sampling state in the state database: latest per node plus a bounded history.
import type { Database } from "bun:sqlite";
import type { LoadSample } from "./probe.ts";
import type { SampleMethod } from "./remote-probe.ts";

export interface StoredSample extends LoadSample {
  /** Epoch ms. */
  sampled_at: number;
  method: SampleMethod;
}

export interface NodeState {
  node: string;
  failures: number;
  last_error?: string;
  last_error_at?: number;
  last_ok_at?: number;
  next_attempt_at: number;
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
    db.exec(`CREATE TABLE IF NOT EXISTS node_state (
      node TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_error TEXT, last_error_at INTEGER,
      last_ok_at INTEGER, next_attempt_at INTEGER NOT NULL)`);
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

  putState(s: NodeState): void {
    this.db
      .query(
        `INSERT OR REPLACE INTO node_state
         (node, failures, last_error, last_error_at, last_ok_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.node,
        s.failures,
        s.last_error ?? null,
        s.last_error_at ?? null,
        s.last_ok_at ?? null,
        s.next_attempt_at,
      );
  }

  state(node: string): NodeState | undefined {
    const row = this.db
      .query<
        {
          node: string;
          failures: number;
          last_error: string | null;
          last_error_at: number | null;
          last_ok_at: number | null;
          next_attempt_at: number;
        },
        [string]
      >("SELECT * FROM node_state WHERE node = ?")
      .get(node);
    if (!row) return undefined;
    return {
      node: row.node,
      failures: row.failures,
      last_error: row.last_error ?? undefined,
      last_error_at: row.last_error_at ?? undefined,
      last_ok_at: row.last_ok_at ?? undefined,
      next_attempt_at: row.next_attempt_at,
    };
  }
}

function toSample(row: { sampled_at: number; method: string; sample: string }): StoredSample {
  return {
    ...(JSON.parse(row.sample) as LoadSample),
    sampled_at: row.sampled_at,
    method: row.method as SampleMethod,
  };
}
