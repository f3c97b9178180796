// The address cache in the state database: answers for ip_cache_ttl, failures for a short negative TTL.
import type { Database } from "bun:sqlite";
import { bestEffortWrite } from "../state/db.ts";

export type Step = "mdns" | "dns" | "fallback";

/** One step of the chain as it happened: what was asked, what came back, why it was (not) used. */
export interface Attempt {
  step: Step;
  /** Name queried, or the configured fallback address. */
  query?: string;
  outcome: "ok" | "rejected" | "failed" | "skipped";
  address?: string;
  detail: string;
  ms: number;
}

export interface CacheEntry {
  node: string;
  /** What the entry was computed from (host, fallback ip, mdns on/off): a config change misses. */
  key: string;
  address?: string;
  via?: Step;
  is_local: boolean;
  /** Epoch ms. */
  resolved_at: number;
  expires_at: number;
  error?: string;
  attempts: Attempt[];
}

interface Row {
  node: string;
  key: string;
  address: string | null;
  via: string | null;
  is_local: number;
  resolved_at: number;
  expires_at: number;
  error: string | null;
  attempts: string;
}

export class AddressCache {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS address_cache (
      node TEXT PRIMARY KEY, key TEXT NOT NULL, address TEXT, via TEXT, is_local INTEGER NOT NULL,
      resolved_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, error TEXT, attempts TEXT NOT NULL)`);
  }

  /** The live entry for this node and key, or undefined when absent, expired or for another key. */
  get(node: string, key: string): CacheEntry | undefined {
    const e = this.peek(node);
    return e && e.key === key && e.expires_at > this.clock() ? e : undefined;
  }

  /** The stored entry whatever its age (for display: "last resolved 10 min ago"). */
  peek(node: string): CacheEntry | undefined {
    const row = this.db
      .query<Row, [string]>("SELECT * FROM address_cache WHERE node = ?")
      .get(node);
    if (!row) return undefined;
    return {
      node: row.node,
      key: row.key,
      address: row.address ?? undefined,
      via: (row.via as Step | null) ?? undefined,
      is_local: row.is_local === 1,
      resolved_at: row.resolved_at,
      expires_at: row.expires_at,
      error: row.error ?? undefined,
      attempts: JSON.parse(row.attempts) as Attempt[],
    };
  }

  /** Stores an answer; a write the database refuses only costs a lookup later. */
  put(e: CacheEntry): void {
    bestEffortWrite(() =>
      this.db
        .query(
          `INSERT OR REPLACE INTO address_cache
         (node, key, address, via, is_local, resolved_at, expires_at, error, attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.node,
          e.key,
          e.address ?? null,
          e.via ?? null,
          e.is_local ? 1 : 0,
          e.resolved_at,
          e.expires_at,
          e.error ?? null,
          JSON.stringify(e.attempts),
        ),
    );
  }

  invalidate(node: string): void {
    bestEffortWrite(() => this.db.query("DELETE FROM address_cache WHERE node = ?").run(node));
  }
}
