// `cluster-status` on the netns cluster: fake loads, a stopped node, a silent node within
// status_timeout, the address cache across processes, the probe binary and config mismatches.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import {
  clusterStatus,
  configVariant,
  type LineProcess,
  lineProcess,
  setNodeKey,
} from "./helpers.ts";

const T = 60_000;
let c: TestCluster;
let listener: LineProcess | undefined;
let stateN = 0;

/** Every node back to an idle fake load. */
async function calm(): Promise<void> {
  for (const n of c.nodes)
    await c.setLoad(n, {
      load1: 0.5,
      memTotalKb: 8_000_000,
      memAvailKb: 6_000_000,
      cpuBusyPercent: 5,
    });
}

/** A fresh state directory per call site, unless one is given (to share the address cache). */
const env = (extra: Record<string, string> = {}, state = `st${++stateN}`) => ({
  CLUSTER_NO_DAEMON: "1",
  CLUSTER_STATE_DIR: join(c.dir, state),
  CLUSTER_SAMPLE_INTERVAL: "2",
  CLUSTER_MDNS_TIMEOUT: "0.3",
  ...extra,
});

describe("cluster-status", () => {
  beforeAll(async () => {
    c = await startCluster(3);
    await calm();
  }, T);

  afterAll(async () => {
    await listener?.kill();
    await c?.down();
  }, T);

  test(
    "fake loads written into the nodes' /proc show up within two sampling periods",
    async () => {
      const e = env();
      const periodMs = Number(e.CLUSTER_SAMPLE_INTERVAL) * 1000;
      await c.setLoad("n1", {
        load1: 3.25,
        memTotalKb: 8_000_000,
        memAvailKb: 4_000_000,
        cpuBusyPercent: 30,
      });
      await c.setLoad("n2", {
        load1: 9,
        memTotalKb: 16_000_000,
        memAvailKb: 1_600_000,
        cpuBusyPercent: 75,
      });
      const t0 = performance.now();
      const { report, code, ms } = await clusterStatus(c, c.configPath, e);
      expect(code).toBe(0);
      expect(performance.now() - t0).toBeLessThan(2 * periodMs);
      const { n1, n2, n3 } = report.nodes;
      expect(n1).toMatchObject({
        status: "healthy",
        load_1m: 3.25,
        memory_percent: 50,
        method: "script",
      });
      expect(n1?.cpu_percent).toBeCloseTo(30, 0);
      expect(n2).toMatchObject({ status: "degraded", load_1m: 9, memory_percent: 90 });
      expect(n2?.cpu_percent).toBeCloseTo(75, 0);
      expect(n2?.reasons).toEqual([
        `cpu ${n2?.cpu_percent}% > 40%`,
        "load 9 > 4",
        "memory 90% > 80%",
      ]);
      expect(n3).toMatchObject({ status: "healthy", load_1m: 0.5, memory_percent: 25 });
      // The SPEC's cluster_status fields, all there.
      expect(report.local_node).toBeNull();
      expect(Object.keys(n1 ?? {})).toEqual(
        expect.arrayContaining([
          "status",
          "cpu_percent",
          "memory_percent",
          "load_1m",
          "cores",
          "os",
          "arch",
          "capabilities",
          "address",
          "resolved_via",
          "sampled_at",
        ]),
      );
      expect(n1?.capabilities).toEqual(["docker", "compilation"]);
      // The probe (the POSIX script: the nodes have no binary) found bubblewrap there.
      expect(n1).toMatchObject({ sandbox: "bwrap", sandbox_level: "off" });
      expect(Date.now() - Date.parse(n1?.sampled_at ?? "")).toBeLessThan(ms + 1000);
      await calm();
    },
    T,
  );

  test(
    "a second cluster-status within the TTL does no resolution: the cache answers",
    async () => {
      // A listener in n3's namespace logs every mDNS query on the segment.
      listener = lineProcess([
        "ip",
        "netns",
        "exec",
        `${c.id}-n3`,
        process.execPath,
        join(import.meta.dir, "..", "discovery", "fixtures", "responder.ts"),
        "{}",
      ]);
      await listener.waitFor("the listener to bind", (l) => l.ready === true, 10_000);
      const e = env({ CLUSTER_IP_CACHE_TTL: "300" });
      const asked = (from: number) =>
        listener?.lines
          .slice(from)
          .flatMap((l) => (Array.isArray(l.query) ? (l.query as string[]) : [])) ?? [];

      const mark1 = listener.lines.length;
      const first = await clusterStatus(c, c.configPath, e);
      for (const n of c.nodes) {
        expect(first.report.nodes[n]).toMatchObject({
          resolved_via: "fallback",
          address_source: "fallback",
        });
        await listener.waitFor(
          `the query for ${n}.local`,
          (l) => Array.isArray(l.query) && (l.query as string[]).includes(`${n}.local`),
          5000,
          mark1,
        );
      }

      const mark2 = listener.lines.length;
      const second = await clusterStatus(c, c.configPath, e);
      for (const n of c.nodes)
        expect(second.report.nodes[n]).toMatchObject({
          resolved_via: "cache",
          address_source: "fallback",
          status: "healthy",
          address: `10.250.0.1${n.slice(1)}`,
        });
      // A sentinel query sent after the second run: once the listener has it, any query of the
      // second run would have arrived before it.
      const s = await c.ctl([
        process.execPath,
        join(import.meta.dir, "..", "discovery", "fixtures", "lookup.ts"),
        "sentinel.local",
        "300",
      ]);
      expect(s.code).toBe(0);
      await listener.waitFor(
        "the sentinel query",
        (l) => Array.isArray(l.query) && (l.query as string[]).includes("sentinel.local"),
        5000,
        mark2,
      );
      expect(asked(mark2).filter((q) => q !== "sentinel.local")).toEqual([]);
    },
    T,
  );

  test(
    "a stopped node shows unreachable with its error, and healthy again once restarted",
    async () => {
      const e = env({ CLUSTER_STATUS_TIMEOUT: "5" });
      await c.script("stop-sshd", "n2");
      try {
        const down = await clusterStatus(c, c.configPath, e);
        expect(down.code).toBe(0);
        expect(down.stderr).toBe("");
        expect(down.ms).toBeLessThan(5000);
        expect(down.report.nodes.n2?.status).toBe("unreachable");
        expect(down.report.nodes.n2?.last_error).toContain("ECONNREFUSED");
        expect(down.report.nodes.n2?.last_error).toContain("10.250.0.12");
        expect(down.report.nodes.n1?.status).toBe("healthy");
      } finally {
        await c.script("start-sshd", "n2");
      }
      const up = await clusterStatus(c, c.configPath, e);
      expect(up.report.nodes.n2).toMatchObject({ status: "healthy", last_error: null });
    },
    T,
  );

  test(
    "3 nodes, one silent (link down): the answer comes within status_timeout, that node unreachable",
    async () => {
      const e = env({
        CLUSTER_STATUS_TIMEOUT: "2.5",
        CLUSTER_SSH_CONNECT_TIMEOUT: "5",
        CLUSTER_MDNS_TIMEOUT: "1",
      });
      await c.script("link-down", "n3");
      try {
        const r = await clusterStatus(c, c.configPath, e);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe(""); // nothing thrown while abandoning the attempt in flight
        expect(r.ms).toBeLessThanOrEqual(2500);
        expect(r.report.nodes.n3?.status).toBe("unreachable");
        expect(r.report.nodes.n3?.last_error).toContain("no answer within the status timeout");
        expect(r.report.nodes.n1?.status).toBe("healthy");
        expect(r.report.nodes.n2?.status).not.toBe("unreachable");
      } finally {
        await c.script("link-up", "n3");
      }
    },
    T,
  );

  test(
    "the node's own cluster-exec (binary_path) is preferred; config facts it contradicts are warnings; a node at one of this machine's addresses is local",
    async () => {
      const fake = join(c.dir, "fake-cluster-exec");
      writeFileSync(
        fake,
        `#!/bin/sh\n[ "$1 $2" = "probe --json" ] || exit 9\necho '{"hostname":"n1","os":"linux","arch":"x86_64","cores":64,"load_1m":1.5,"load_5m":1,"load_15m":1,"cpu_percent":12.5,"memory_percent":33.3,"mem_total":1024}'\n`,
      );
      chmodSync(fake, 0o755);
      const cfg = configVariant(c, "probe", (t) => {
        const withBinary = t.replace("[nodes.n1]\n", `[nodes.n1]\nbinary_path = "${fake}"\n`);
        const arch = /arch = "(\w+)"/.exec(t)?.[1] === "arm64" ? '"x86_64"' : '"arm64"';
        return `${setNodeKey(withBinary, "n2", "arch", arch)}\n[nodes.ctl]\nip = "10.250.0.2"\n`;
      });
      const { report } = await clusterStatus(c, cfg, env());
      expect(report.nodes.n1).toMatchObject({ method: "probe", cpu_percent: 12.5, cores: 64 });
      expect(report.nodes.n1?.warnings).toEqual([
        expect.stringMatching(/^configured cores \d+, node reports 64$/),
      ]);
      expect(report.nodes.n2?.warnings).toEqual([
        expect.stringMatching(/^configured arch \w+, node reports \w+$/),
      ]);
      expect(report.local_node).toBe("ctl");
      expect(report.nodes.ctl).toMatchObject({
        is_local: true,
        method: "local",
        status: expect.stringMatching(/healthy|degraded/),
      });
    },
    T,
  );

  test(
    "the table names every column and marks the cache hit",
    async () => {
      const e = env({}, "table");
      await clusterStatus(c, c.configPath, e);
      const r = await c.ctl(
        [
          process.execPath,
          join(import.meta.dir, "..", "..", "src", "cli.ts"),
          "--config",
          c.configPath,
          "cluster-status",
        ],
        { env: e, timeoutMs: 30_000 },
      );
      expect(r.code).toBe(0);
      const [header, ...rows] = r.stdout.trim().split("\n");
      expect(header).toMatch(
        /^NODE\s+STATUS\s+CPU%\s+MEM%\s+LOAD\s+CORES\s+OS\/ARCH\s+CAPABILITIES\s+VERSION\s+SANDBOX\s+TRANSPORT\s+ADDRESS \(VIA\)\s+AGE\s+LAST ERROR \/ NOTES$/,
      );
      // Detected tools (bwrap is one) follow the configured capabilities, marked with +.
      expect(rows[0]).toMatch(
        /^n1\s+healthy\s.*docker,compilation(,\+[\w.+-]+)*\s+-\s+bwrap\s+ssh2\s+10\.250\.0\.11 \(cache: fallback, \d+(\.\d)?s\)/,
      );
      // The footer, then each remote node's transport and why.
      expect(rows.slice(-4)).toEqual([
        "this machine is not one of the nodes",
        ...["n1", "n2", "n3"].map(
          (n) =>
            `transport of ${n}: ssh2 (auto: ssh -G ${n}.local shows nothing ssh2 cannot honour)`,
        ),
      ]);
    },
    T,
  );
});
