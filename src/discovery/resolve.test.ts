// The resolution chain with injected mDNS, DNS and clock: no packet leaves this process.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../config/load.ts";
import { AddressCache } from "./cache.ts";
import { isLocalNode, sameHost } from "./local.ts";
import type { MdnsLookupOptions, MdnsLookupResult } from "./mdns.ts";
import { CHAIN_WINDOW_MS, createResolver, type DnsLookup, mdnsNameFor } from "./resolve.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-resolve-"));

function config(toml: string, env: Record<string, string> = {}): Config {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(p, toml);
  return loadConfig({ configPath: p, env: { HOME: dir, ...env } });
}

const NODES = `
[nodes.alpha]
host = "alpha.local"
ip = "10.9.0.1"
[nodes.beta]
host = "beta.example.org"
ip = "169.254.7.7"
[nodes.gamma]
host = "gamma"
`;

interface Fakes {
  mdns: Record<string, string[]>;
  dns: Record<string, string[] | Error | "hang">;
  calls: string[];
  now: number;
}

function fakes(f: Partial<Fakes> = {}): Fakes {
  return { mdns: {}, dns: {}, calls: [], now: 1_000_000, ...f };
}

function resolverWith(cfg: Config, f: Fakes, db = new Database(":memory:")) {
  const mdns = async (name: string, o: MdnsLookupOptions): Promise<MdnsLookupResult> => {
    f.calls.push(`mdns ${name}`);
    const seen: string[] = [];
    for (const a of f.mdns[name] ?? []) {
      seen.push(a);
      if (o.accept(a)) return { address: a, seen };
    }
    return { seen };
  };
  const dns: DnsLookup = (host) => {
    f.calls.push(`dns ${host}`);
    const v = f.dns[host];
    if (v === "hang") return new Promise(() => {});
    if (v instanceof Error) return Promise.reject(v);
    if (!v) return Promise.reject(Object.assign(new Error("not found"), { code: "ENOTFOUND" }));
    return Promise.resolve(
      v.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
  return createResolver({ config: cfg, db, clock: () => f.now, mdns, dns, dnsTimeoutMs: 50 });
}

describe("the chain mdns → dns → fallback", () => {
  test("an mDNS answer wins, and a rejected one before it is reported", async () => {
    const f = fakes({ mdns: { "alpha.local": ["169.254.3.3", "10.9.0.7"] } });
    const r = await resolverWith(config(NODES), f).resolve("alpha");
    expect(r.address).toBe("10.9.0.7");
    expect(r.resolved_via).toBe("mdns");
    expect(r.source).toBe("mdns");
    expect(r.attempts[0]?.detail).toContain("169.254.3.3 rejected (link-local)");
    // Every step is asked at once; the fallback's address was there first, mDNS's still won.
    expect(f.calls).toEqual(["mdns alpha.local", "dns alpha.local"]);
    expect(r.attempts[2]).toMatchObject({ step: "fallback", outcome: "ok" });
  });

  test("rejected mDNS answers fall through to DNS, which skips its own rejected answers", async () => {
    const f = fakes({
      mdns: { "alpha.local": ["127.0.0.1"] },
      dns: { "alpha.local": ["172.17.0.2", "10.9.0.8"] },
    });
    const r = await resolverWith(config(NODES), f).resolve("alpha");
    expect(r.address).toBe("10.9.0.8");
    expect(r.resolved_via).toBe("dns");
    expect(r.attempts.map((a) => a.outcome)).toEqual(["rejected", "ok", "ok"]);
    expect(r.attempts[0]?.detail).toBe("127.0.0.1 rejected (loopback)");
    expect(r.attempts[1]?.detail).toContain("172.17.0.2 rejected (docker bridge)");
  });

  test("no answers: the configured fallback ip", async () => {
    const f = fakes();
    const r = await resolverWith(config(NODES), f).resolve("alpha");
    expect(r.address).toBe("10.9.0.1");
    expect(r.resolved_via).toBe("fallback");
    expect(r.attempts.map((a) => `${a.step}:${a.outcome}`)).toEqual([
      "mdns:failed",
      "dns:failed",
      "fallback:ok",
    ]);
    expect(r.attempts[1]?.detail).toBe("ENOTFOUND");
  });

  test("a rejected fallback leaves no address and an error naming every step", async () => {
    const f = fakes();
    const r = await resolverWith(config(NODES), f).resolve("beta");
    expect(r.address).toBeUndefined();
    expect(r.resolved_via).toBeNull();
    expect(r.error).toBe(
      "no usable address for beta (mdns: beta.example.org is not a .local name; " +
        "dns beta.example.org: ENOTFOUND; fallback 169.254.7.7: 169.254.7.7 rejected (link-local))",
    );
    expect(f.calls).toEqual(["dns beta.example.org"]);
  });

  test("a bare host name is asked for as NAME.local; no ip configured is said so", async () => {
    const f = fakes();
    const r = await resolverWith(config(NODES), f).resolve("gamma");
    expect(f.calls).toEqual(["mdns gamma.local", "dns gamma"]);
    expect(r.error).toContain("fallback: no ip configured");
  });

  test("a DNS server that never answers costs only the DNS step's timeout", async () => {
    const f = fakes({ dns: { "alpha.local": "hang" } });
    const t0 = performance.now();
    const r = await resolverWith(config(NODES), f).resolve("alpha");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.attempts[1]?.detail).toBe("no answer within 0.05s");
    expect(r.resolved_via).toBe("fallback");
  });

  test("a silent .local name costs the short window, not mdns_timeout, when a later step answers", async () => {
    const cfg = config(NODES, { CLUSTER_MDNS_TIMEOUT: "5" });
    const silent = async (_n: string, o: MdnsLookupOptions): Promise<MdnsLookupResult> => {
      await Bun.sleep(o.timeoutMs); // nobody answers: the lookup runs to its timeout
      return { seen: [] };
    };
    const r = createResolver({ config: cfg, mdns: silent, dns: async () => [], dnsTimeoutMs: 50 });
    const got = await r.resolve("alpha");
    expect(got).toMatchObject({ address: "10.9.0.1", resolved_via: "fallback" });
    // Not waited for: had it been, its record would say "no answer within 5s".
    expect(got.attempts[0]).toMatchObject({
      step: "mdns",
      outcome: "skipped",
      detail: "not waited for (fallback answered first)",
    });
  });

  test("an mDNS answer within the window beats the fallback that came first", async () => {
    const late = async (_n: string, o: MdnsLookupOptions): Promise<MdnsLookupResult> => {
      await Bun.sleep(CHAIN_WINDOW_MS / 4);
      return o.accept("10.9.0.7") ? { address: "10.9.0.7", seen: ["10.9.0.7"] } : { seen: [] };
    };
    const r = createResolver({ config: config(NODES), mdns: late, dns: async () => [] });
    expect(await r.resolve("alpha")).toMatchObject({ address: "10.9.0.7", resolved_via: "mdns" });
  });

  test("mdns_timeout = 0 turns mDNS off", async () => {
    const f = fakes({ mdns: { "alpha.local": ["10.9.0.7"] } });
    const r = await resolverWith(config(NODES, { CLUSTER_MDNS_TIMEOUT: "0" }), f).resolve("alpha");
    expect(f.calls).toEqual(["dns alpha.local"]);
    expect(r.attempts[0]).toMatchObject({ step: "mdns", outcome: "skipped" });
  });

  test("the local node (by name) is never looked up", async () => {
    const os = await import("node:os");
    const cfg = config(`[nodes.${os.hostname().split(".")[0]}]\nip = "10.9.9.9"\n`);
    const f = fakes();
    const name = Object.keys(cfg.nodes)[0] as string;
    const r = await resolverWith(cfg, f).resolve(name);
    expect(r.is_local).toBe(true);
    expect(f.calls).toEqual([]);
  });
});

describe("the cache", () => {
  test("a hit within the TTL does no lookup; after the TTL it resolves again", async () => {
    const cfg = config(NODES, { CLUSTER_IP_CACHE_TTL: "300" });
    const f = fakes({ mdns: { "alpha.local": ["10.9.0.7"] } });
    const db = new Database(":memory:");
    const first = await resolverWith(cfg, f, db).resolve("alpha");
    f.now += 299_000;
    // A new resolver on the same database: what a second `cluster-status` process sees.
    const again = await resolverWith(cfg, f, db).resolve("alpha");
    expect(again).toMatchObject({ address: "10.9.0.7", resolved_via: "cache", source: "mdns" });
    expect(again.age_s).toBe(299);
    expect(again.resolved_at).toBe(first.resolved_at);
    expect(f.calls).toEqual(["mdns alpha.local", "dns alpha.local"]);
    f.now += 2_000;
    const later = await resolverWith(cfg, f, db).resolve("alpha");
    expect(later.resolved_via).toBe("mdns");
    expect(f.calls.filter((c) => c.startsWith("mdns"))).toEqual([
      "mdns alpha.local",
      "mdns alpha.local",
    ]);
  });

  test("failures are cached only briefly (negative TTL 15 s)", async () => {
    const f = fakes();
    const r = resolverWith(config(NODES), f);
    expect((await r.resolve("beta")).error).toBeDefined();
    f.now += 14_000;
    const hit = await r.resolve("beta");
    expect(hit.resolved_via).toBe("cache");
    expect(hit.error).toContain("no usable address");
    expect(f.calls).toHaveLength(1);
    f.now += 2_000;
    await r.resolve("beta");
    expect(f.calls).toHaveLength(2);
  });

  test("ip_cache_ttl = 0 caches nothing", async () => {
    const f = fakes();
    const r = resolverWith(config(NODES, { CLUSTER_IP_CACHE_TTL: "0" }), f);
    await r.resolve("alpha");
    await r.resolve("alpha");
    expect(f.calls.filter((c) => c.startsWith("mdns"))).toHaveLength(2);
  });

  test("a changed host or ip in the configuration misses the cache", async () => {
    const f = fakes();
    const db = new Database(":memory:");
    await resolverWith(config(NODES), f, db).resolve("alpha");
    const moved = config(NODES.replace("10.9.0.1", "10.9.0.2"));
    const r = await resolverWith(moved, f, db).resolve("alpha");
    expect(r.address).toBe("10.9.0.2");
    expect(r.resolved_via).toBe("fallback");
  });

  test("peek reads without resolving; invalidate makes resolve look again", async () => {
    const f = fakes();
    const db = new Database(":memory:");
    const r = resolverWith(config(NODES), f, db);
    expect(r.peek("alpha")).toBeUndefined();
    await r.resolve("alpha");
    expect(r.peek("alpha")).toMatchObject({ address: "10.9.0.1", resolved_via: "fallback" });
    expect(f.calls).toHaveLength(2);
    f.now += 3000;
    expect(r.peek("alpha")?.age_s).toBe(3);
    // Another process sees the stored entry as a cache answer.
    expect(resolverWith(config(NODES), f, db).peek("alpha")?.resolved_via).toBe("cache");
    r.invalidate("alpha");
    expect(r.peek("alpha")?.address).toBe("10.9.0.1"); // still shown: what failed is worth seeing
    await r.resolve("alpha");
    expect(f.calls).toHaveLength(4);
  });

  test("concurrent resolutions of one node share one chain", async () => {
    const f = fakes();
    const r = resolverWith(config(NODES), f);
    const [a, b] = await Promise.all([r.resolve("alpha"), r.resolve("alpha")]);
    expect(a).toEqual(b);
    expect(f.calls).toEqual(["mdns alpha.local", "dns alpha.local"]);
  });

  test("a cache that refuses writes (locked, full, read-only) costs the caching, not the answer", async () => {
    const path = join(dir, "readonly.db");
    new AddressCache(new Database(path)); // the table exists; from now on nothing can be written
    const r = resolverWith(config(NODES), fakes(), new Database(path, { readonly: true }));
    expect((await r.resolve("alpha")).address).toBe("10.9.0.1");
    expect(() => r.invalidate("alpha")).not.toThrow();
  });

  test("AddressCache.get honours expiry and key", () => {
    let now = 0;
    const c = new AddressCache(new Database(":memory:"), () => now);
    c.put({
      node: "n",
      key: "k",
      address: "10.0.0.1",
      via: "dns",
      is_local: false,
      resolved_at: 0,
      expires_at: 1000,
      attempts: [],
    });
    expect(c.get("n", "k")?.address).toBe("10.0.0.1");
    expect(c.get("n", "other")).toBeUndefined();
    now = 1000;
    expect(c.get("n", "k")).toBeUndefined();
    expect(c.peek("n")?.address).toBe("10.0.0.1");
  });
});

describe("names", () => {
  test("mdnsNameFor", () => {
    expect(mdnsNameFor("Marcs-Mac-Studio.local")).toBe("marcs-mac-studio.local");
    expect(mdnsNameFor("box")).toBe("box.local");
    expect(mdnsNameFor("box.example.org")).toBeUndefined();
    expect(mdnsNameFor("10.0.0.1")).toBeUndefined();
  });

  test("sameHost ignores .local, case and a domain against a bare name", () => {
    expect(sameHost("Marcs-Mac-Studio.local", "marcs-mac-studio")).toBe(true);
    expect(sameHost("box", "box.example.org")).toBe(true);
    expect(sameHost("box.a.org", "box.b.org")).toBe(false);
    expect(sameHost("n1", "n2")).toBe(false);
  });

  test("isLocalNode: by name, by host, by configured ip of an interface", () => {
    const cfg = config(
      `[nodes.here]\nhost = "here.local"\n[nodes.byhost]\nhost = "MyBox.local"\n[nodes.byip]\nip = "127.0.0.1"\n[nodes.far]\nip = "10.9.0.1"\n`,
    );
    expect(isLocalNode("here", cfg, { hostname: "here" })).toBe(true);
    expect(isLocalNode("byhost", cfg, { hostname: "mybox" })).toBe(true);
    expect(isLocalNode("byip", cfg, { hostname: "other" })).toBe(true);
    expect(isLocalNode("far", cfg, { hostname: "other" })).toBe(false);
    expect(isLocalNode("missing", cfg, { hostname: "missing" })).toBe(false);
  });
});
