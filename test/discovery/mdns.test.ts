// Address resolution on the netns cluster: mDNS responders (the program's own advertiser) in node
// namespaces, the resolver and cluster-status in the controller namespace. No multicast ever
// leaves these namespaces.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  clusterStatus,
  configVariant,
  type LineProcess,
  lineProcess,
  setNodeKey,
} from "../cluster/helpers.ts";
import { CLI } from "../helpers/cli.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";

const T = 60_000;
const FIXTURES = join(import.meta.dir, "fixtures");
let c: TestCluster;
const responders: LineProcess[] = [];

async function responder(node: string, answers: Record<string, string[]>): Promise<LineProcess> {
  const p = lineProcess([
    "ip",
    "netns",
    "exec",
    `${c.id}-${node}`,
    process.execPath,
    join(FIXTURES, "responder.ts"),
    JSON.stringify(answers),
  ]);
  responders.push(p);
  await p.waitFor("the responder to bind", (l) => l.ready === true, 10_000);
  return p;
}

async function lookup(name: string, timeoutMs: number) {
  const r = await c.ctl([process.execPath, join(FIXTURES, "lookup.ts"), name, String(timeoutMs)], {
    timeoutMs: 15_000,
  });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { address?: string; seen: string[]; ms: number; error?: string };
}

const env = (state: string, extra: Record<string, string> = {}) => ({
  CLUSTER_NO_DAEMON: "1",
  CLUSTER_STATE_DIR: join(c.dir, state),
  CLUSTER_SSH_RETRIES: "0",
  CLUSTER_SSH_CONNECT_TIMEOUT: "1",
  ...extra,
});

describe("mDNS on the test cluster", () => {
  beforeAll(async () => {
    c = await startCluster(3);
    // The fake /proc files start as copies of this machine's: make health not depend on its load.
    for (const n of c.nodes)
      await c.setLoad(n, { load1: 0.5, memTotalKb: 8_000_000, memAvailKb: 6_000_000 });
    await responder("n1", {
      "n1.local": ["10.250.0.11"],
      "n2.local": ["127.0.0.1", "172.17.0.9"],
      "ctlself.local": ["10.250.0.2"],
    });
  }, T);

  afterAll(async () => {
    for (const r of responders) await r.kill();
    await c?.down();
  }, T);

  test(
    "a lookup in the controller namespace gets the answer of a responder in a node namespace",
    async () => {
      const hit = await lookup("n1.local", 2000);
      expect(hit.address).toBe("10.250.0.11");
      expect(hit.ms).toBeLessThan(1000);
      const rejected = await lookup("n2.local", 500);
      expect(rejected.address).toBeUndefined();
      expect(rejected.seen.sort()).toEqual(["127.0.0.1", "172.17.0.9"]);
    },
    T,
  );

  test(
    "no responder for a name: no answer, in bounded time",
    async () => {
      const miss = await lookup("nobody.local", 400);
      expect(miss).toMatchObject({ seen: [] });
      expect(miss.address).toBeUndefined();
      expect(miss.ms).toBeGreaterThanOrEqual(380);
      expect(miss.ms).toBeLessThan(1500);
    },
    T,
  );

  test(
    "wrong fallback ip + responder → via mdns; rejected answers fall through to a valid fallback; " +
      "wrong fallback ip without responder → unreachable with a clear reason",
    async () => {
      const cfg2 = configVariant(c, "mdns2", (t) =>
        setNodeKey(setNodeKey(t, "n1", "ip", '"10.250.0.99"'), "n3", "ip", '"10.250.0.98"'),
      );
      const { report, code } = await clusterStatus(
        c,
        cfg2,
        env("s1", { CLUSTER_STATUS_TIMEOUT: "8" }),
      );
      expect(code).toBe(0);
      const { n1, n2, n3 } = report.nodes;
      expect(n1).toMatchObject({ status: "healthy", address: "10.250.0.11", resolved_via: "mdns" });
      expect(n2).toMatchObject({
        status: "healthy",
        address: "10.250.0.12",
        resolved_via: "fallback",
      });
      // The chain's steps run at once: the fallback answers at once, mDNS gets 100 ms more. When
      // its answer came in that window, both of its addresses were rejected; when it came later
      // (a loaded machine), it was not waited for. Either way the fallback is taken.
      const mdnsPart = n2?.resolution?.split(";")[0] ?? "";
      if (mdnsPart.includes("not waited for"))
        expect(mdnsPart).toContain("fallback answered first");
      else {
        expect(mdnsPart).toContain("127.0.0.1 rejected (loopback)");
        expect(mdnsPart).toContain("172.17.0.9 rejected (docker bridge)");
      }
      expect(n3?.status).toBe("unreachable");
      expect(n3?.last_error).toContain("10.250.0.98");
      expect(n3?.last_error).toContain("via fallback");
      // mDNS is asked at once with the others; a silent one is not waited for past the fallback.
      expect(n3?.last_error).toContain("mdns: not waited for (fallback answered first)");
    },
    T,
  );

  test(
    "a name that resolves to one of this machine's addresses is the local node, sampled in-process",
    async () => {
      const cfg = configVariant(
        c,
        "self",
        (t) => `${t}\n[nodes.ctlself]\nhost = "ctlself.local"\nos = "linux"\n`,
      );
      const { report } = await clusterStatus(c, cfg, env("s2"));
      expect(report.local_node).toBe("ctlself");
      // This machine's real load decides healthy or degraded; either way it was sampled here.
      expect(report.nodes.ctlself).toMatchObject({
        status: expect.stringMatching(/^(healthy|degraded)$/),
        is_local: true,
        method: "local",
        address: "10.250.0.2",
        resolved_via: "mdns",
      });
      expect(report.nodes.n1?.method).toBe("script");
      // Running there uses the cached resolution too: in-process, never SSH to itself (the
      // controller namespace has no sshd, so SSH would fail with UNREACHABLE).
      const run = await c.ctl(
        [
          process.execPath,
          CLI,
          "--config",
          cfg,
          "run",
          "--node",
          "ctlself",
          "--json",
          "--",
          "echo here",
        ],
        { env: env("s2"), timeoutMs: 30_000 },
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        node: "ctlself",
        stdout: "here\n",
        exit_code: 0,
      });
    },
    T,
  );
});
