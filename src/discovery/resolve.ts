// Address of a node: mDNS → system DNS → configured fallback ip, asked at once (the first usable
// answer in that order wins within a short window), each step bounded, cached in SQLite.
import { Database } from "bun:sqlite";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { withTimeout } from "../abort.ts";
import type { Config, NodeConfig } from "../config/load.ts";
import { describeRejection, ok, seconds, skipped, summarise } from "./attempts.ts";
import { AddressCache, type Attempt, type CacheEntry, type Step } from "./cache.ts";
import { checkRemoteAddress } from "./ip-policy.ts";
import { isLocalAddress, isLocalNode, rememberLocal } from "./local.ts";
import { type MdnsLookupOptions, type MdnsLookupResult, mdnsLookup } from "./mdns.ts";

export type ResolvedVia = Step | "cache";

export interface Resolution {
  node: string;
  /** Where to connect; undefined when no step gave a usable address (see error). */
  address?: string;
  /** How this answer was obtained now; "cache" when it came from the cache (see source). */
  resolved_via: ResolvedVia | null;
  /** The step that originally produced the address (differs from resolved_via on a cache hit). */
  source: Step | null;
  /** Epoch ms of the resolution (the original one on a cache hit). */
  resolved_at: number;
  age_s: number;
  /** This machine (by name, or an address of one of its interfaces): never reached over SSH. */
  is_local: boolean;
  attempts: Attempt[];
  error?: string;
}

export type DnsLookup = (host: string) => Promise<{ address: string; family: number }[]>;

export interface ResolverOptions {
  config: Config;
  /** The state database; without one, answers are cached in memory only. */
  db?: Database;
  clock?: () => number;
  mdns?: (name: string, opts: MdnsLookupOptions) => Promise<MdnsLookupResult>;
  dns?: DnsLookup;
  /** Per-step timeouts; default mdns_timeout setting and 1 s. */
  mdnsTimeoutMs?: number;
  dnsTimeoutMs?: number;
  /** Seconds a failure is remembered; default min(15, ip_cache_ttl). */
  negativeTtlS?: number;
}

export interface Resolver {
  resolve(node: string, opts?: { signal?: AbortSignal }): Promise<Resolution>;
  /**
   * The last answer without any network I/O: this process's own last resolve() (so "mdns" when it
   * looked it up), else the stored cache entry (as "cache"); undefined when never resolved.
   */
  peek(node: string): Resolution | undefined;
  /** Forget a node's cached answer, e.g. after a connect to it failed: resolve() looks again. */
  invalidate(node: string): void;
}

const DNS_TIMEOUT_MS = 1000;
/** How long the steps before an acceptable answer may still take to give a better one. */
export const CHAIN_WINDOW_MS = 100;

/** What one step of the chain found: its record, and the address when it is usable. */
interface StepResult {
  attempt: Attempt;
  address?: string;
}
const NEGATIVE_TTL_S = 15;

export function createResolver(opts: ResolverOptions): Resolver {
  const { config } = opts;
  const clock = opts.clock ?? Date.now;
  const cache = new AddressCache(opts.db ?? new Database(":memory:"), clock);
  const mdnsMs = opts.mdnsTimeoutMs ?? config.settings.mdns_timeout * 1000;
  const dnsMs = opts.dnsTimeoutMs ?? DNS_TIMEOUT_MS;
  const ttlMs = config.settings.ip_cache_ttl * 1000;
  const negativeMs =
    Math.min(opts.negativeTtlS ?? NEGATIVE_TTL_S, config.settings.ip_cache_ttl) * 1000;
  const doMdns = opts.mdns ?? mdnsLookup;
  const doDns: DnsLookup = opts.dns ?? ((host) => lookup(host, { all: true }));
  const inflight = new Map<string, Promise<Resolution>>();
  /** What resolve() last answered in this process, so peek() can say "mdns" rather than "cache". */
  const last = new Map<string, { key: string; r: Resolution }>();
  const remember = (node: NodeConfig, r: Resolution) => {
    last.set(node.name, { key: keyOf(node), r });
    return r;
  };

  const keyOf = (n: NodeConfig) => `${n.host}|${n.ip ?? ""}|mdns=${mdnsMs > 0}`;
  const fromEntry = (e: CacheEntry, hit: boolean): Resolution => ({
    node: e.node,
    address: e.address,
    resolved_via: hit ? "cache" : (e.via ?? null),
    source: e.via ?? null,
    resolved_at: e.resolved_at,
    age_s: Math.max(0, Math.round((clock() - e.resolved_at) / 1000)),
    is_local: e.is_local,
    attempts: e.attempts,
    error: e.error,
  });

  /** mDNS of the node's .local name (undefined: the step does not apply, with why). */
  async function mdnsStep(node: NodeConfig, signal?: AbortSignal): Promise<StepResult> {
    const mdnsName = mdnsNameFor(node.host);
    if (mdnsMs <= 0) return { attempt: skipped("mdns", "disabled (mdns_timeout = 0)") };
    if (!mdnsName) return { attempt: skipped("mdns", `${node.host} is not a .local name`) };
    const t0 = performance.now();
    const r = await doMdns(mdnsName, {
      timeoutMs: mdnsMs,
      accept: (a) => checkRemoteAddress(a).ok,
      signal,
    });
    const ms = Math.round(performance.now() - t0);
    const rejected = r.seen.filter((a) => a !== r.address).map(describeRejection);
    if (r.address)
      return { attempt: ok("mdns", mdnsName, r.address, ms, rejected), address: r.address };
    if (r.seen.length > 0)
      return {
        attempt: {
          step: "mdns",
          query: mdnsName,
          outcome: "rejected",
          detail: rejected.join(", "),
          ms,
        },
      };
    const detail = r.error ?? `no answer within ${seconds(mdnsMs)}`;
    return { attempt: { step: "mdns", query: mdnsName, outcome: "failed", detail, ms } };
  }

  async function dnsStep(node: NodeConfig): Promise<StepResult> {
    const t0 = performance.now();
    const r = (await withTimeout(
      doDns(node.host).then(
        (value) => ({ value }),
        (err: NodeJS.ErrnoException) => ({ error: err.code ?? err.message }),
      ),
      dnsMs,
    )) ?? { error: `no answer within ${seconds(dnsMs)}` };
    const ms = Math.round(performance.now() - t0);
    if ("error" in r)
      return { attempt: { step: "dns", query: node.host, outcome: "failed", detail: r.error, ms } };
    const sorted = [...r.value].sort((a, b) => a.family - b.family);
    const good = sorted.find((a) => checkRemoteAddress(a.address).ok);
    const rejected = sorted.filter((a) => a !== good).map((a) => describeRejection(a.address));
    if (good)
      return { attempt: ok("dns", node.host, good.address, ms, rejected), address: good.address };
    return {
      attempt: {
        step: "dns",
        query: node.host,
        outcome: sorted.length ? "rejected" : "failed",
        detail: sorted.length ? rejected.join(", ") : "no addresses",
        ms,
      },
    };
  }

  function fallbackStep(node: NodeConfig): StepResult {
    if (!node.ip) return { attempt: skipped("fallback", "no ip configured") };
    if (checkRemoteAddress(node.ip).ok)
      return { attempt: ok("fallback", node.ip, node.ip, 0, []), address: node.ip };
    const detail = describeRejection(node.ip);
    return { attempt: { step: "fallback", query: node.ip, outcome: "rejected", detail, ms: 0 } };
  }

  /**
   * Every step at once; the first acceptable answer in chain order wins. Once any step has an
   * acceptable answer, the steps before it get a short window (CHAIN_WINDOW_MS) to answer
   * too; then the best answer so far is taken and the slower steps are not waited for — a `.local`
   * name nobody answers costs the window, not mdns_timeout.
   */
  async function run(node: NodeConfig, signal?: AbortSignal): Promise<Resolution> {
    const STEPS: Step[] = ["mdns", "dns", "fallback"];
    const results: (StepResult | undefined)[] = [undefined, undefined, undefined];
    let wake: () => void = () => {};
    const settle = (i: number) => (r: StepResult) => {
      results[i] = r;
      wake();
    };
    void mdnsStep(node, signal).then(settle(0));
    void dnsStep(node).then(settle(1));
    settle(2)(fallbackStep(node));
    let windowEnds: number | undefined;
    for (;;) {
      const firstOk = results.findIndex((r) => r?.address !== undefined);
      const earlierPending = firstOk >= 0 && results.slice(0, firstOk).some((r) => !r);
      if (firstOk >= 0 && !earlierPending) break; // nothing better can come
      if (firstOk < 0 && results.every((r) => r)) break; // every step answered: none usable
      if (signal?.aborted) break;
      if (firstOk >= 0) windowEnds ??= performance.now() + CHAIN_WINDOW_MS;
      if (windowEnds !== undefined && performance.now() >= windowEnds) break;
      const waitMs = windowEnds === undefined ? undefined : windowEnds - performance.now();
      await new Promise<void>((resolve) => {
        const timer = waitMs === undefined ? undefined : setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const winner = results.findIndex((r) => r?.address !== undefined);
    const attempts: Attempt[] = results.map(
      (r, i) =>
        r?.attempt ?? {
          step: STEPS[i] as Step,
          outcome: "skipped",
          detail: `not waited for (${STEPS[winner] ?? "another step"} answered first)`,
          ms: 0,
        },
    );
    const found =
      winner >= 0
        ? { address: results[winner]?.address as string, via: STEPS[winner] as Step }
        : undefined;
    const now = clock();
    const isLocal = found ? isLocalAddress(found.address) : false;
    if (found && isLocal) rememberLocal(node.name, found.address);
    const entry: CacheEntry = {
      node: node.name,
      key: keyOf(node),
      address: found?.address,
      via: found?.via,
      is_local: isLocal,
      resolved_at: now,
      expires_at: now + (found ? ttlMs : negativeMs),
      error: found ? undefined : `no usable address for ${node.name} (${summarise(attempts)})`,
      attempts,
    };
    // An aborted chain is not an answer: do not cache what the caller cut short.
    if (!signal?.aborted && (found ? ttlMs : negativeMs) > 0) cache.put(entry);
    return fromEntry(entry, false);
  }

  return {
    resolve(name, o = {}) {
      const node = config.nodes[name];
      if (!node) return Promise.reject(new Error(`unknown node ${name}`));
      if (isLocalNode(name, config, { learned: false }))
        return Promise.resolve(localResolution(node, clock()));
      const hit = cache.get(name, keyOf(node));
      if (hit) {
        // This process's own lookup stays "mdns" (etc.) for as long as its entry lives.
        const mine = last.get(name);
        if (mine?.r.address && mine.key === keyOf(node) && mine.r.resolved_at === hit.resolved_at)
          return Promise.resolve({ ...mine.r, age_s: fromEntry(hit, true).age_s });
        return Promise.resolve(remember(node, fromEntry(hit, true)));
      }
      let p = inflight.get(name);
      if (!p) {
        p = run(node, o.signal)
          .then((r) => remember(node, r))
          .finally(() => inflight.delete(name));
        inflight.set(name, p);
      }
      return p;
    },
    peek(name) {
      const node = config.nodes[name];
      if (!node) return undefined;
      if (isLocalNode(name, config, { learned: false })) return localResolution(node, clock());
      const mine = last.get(name);
      if (mine && mine.key === keyOf(node))
        return { ...mine.r, age_s: Math.max(0, Math.round((clock() - mine.r.resolved_at) / 1000)) };
      const e = cache.peek(name);
      return e && e.key === keyOf(node) ? fromEntry(e, true) : undefined;
    },
    // The last answer stays visible to peek() (what failed is worth showing); resolve() asks again.
    invalidate: (name) => cache.invalidate(name),
  };
}

/** The name to ask mDNS for: the host when it is `.local`, `NAME.local` for a bare name. */
export function mdnsNameFor(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h.endsWith(".local")) return h;
  if (isIP(h) === 0 && !h.includes(".")) return `${h}.local`;
  return undefined;
}

function localResolution(node: NodeConfig, now: number): Resolution {
  return {
    node: node.name,
    address: undefined,
    resolved_via: null,
    source: null,
    resolved_at: now,
    age_s: 0,
    is_local: true,
    attempts: [],
  };
}

export { summarise };
