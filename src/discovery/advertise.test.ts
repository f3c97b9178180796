// Self-advertisement settings and names (the responder itself is exercised on the netns cluster
// in test/discovery/mdns.test.ts: no multicast from this namespace).
import { expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/load.ts";
import { startAdvertiser } from "./advertise.ts";
import type { MdnsFactory } from "./mdns.ts";
import { selfNames, startSelfAdvertiser } from "./self.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-adv-"));
const path = join(dir, "c.toml");
writeFileSync(
  path,
  `[nodes.studio]\nhost = "Marcs-Mac-Studio.local"\n[nodes.box]\nip = "10.9.0.1"\n`,
);

test("advertise, sample_interval and mdns_timeout: file, environment, defaults", () => {
  const d = loadConfig({ configPath: path, env: { HOME: dir } }).settings;
  expect([d.advertise, d.sample_interval, d.mdns_timeout]).toEqual([false, 5, 1]);
  const e = loadConfig({
    configPath: path,
    env: {
      HOME: dir,
      CLUSTER_ADVERTISE: "yes",
      CLUSTER_SAMPLE_INTERVAL: "0.5",
      CLUSTER_MDNS_TIMEOUT: "0",
    },
  }).settings;
  expect([e.advertise, e.sample_interval, e.mdns_timeout]).toEqual([true, 0.5, 0]);
  expect(() =>
    loadConfig({ configPath: path, env: { HOME: dir, CLUSTER_ADVERTISE: "sometimes" } }),
  ).toThrow('CLUSTER_ADVERTISE (environment): got "sometimes", expected true or false');
  expect(() =>
    loadConfig({ configPath: path, env: { HOME: dir, CLUSTER_SAMPLE_INTERVAL: "0" } }),
  ).toThrow("CLUSTER_SAMPLE_INTERVAL (environment): got 0, expected seconds >= 0.2");
});

test("the names this machine answers for: its node's name and host, and its hostname", () => {
  const cfg = loadConfig({ configPath: path, env: { HOME: dir } });
  expect(selfNames(cfg, "Marcs-Mac-Studio.local")).toEqual([
    "studio.local",
    "marcs-mac-studio.local",
  ]);
  expect(selfNames(cfg, "elsewhere")).toEqual(["elsewhere.local"]);
});

test("advertise = false starts nothing", async () => {
  const cfg = loadConfig({ configPath: path, env: { HOME: dir } });
  expect(await startSelfAdvertiser(cfg)).toBeUndefined();
});

test("socket errors after the responder is up never go unhandled (a server outlives them)", async () => {
  const socket = Object.assign(new EventEmitter(), { destroy: (cb: () => void) => cb() });
  const adv = startAdvertiser({
    names: ["n1.local"],
    factory: (() => socket) as unknown as MdnsFactory,
  });
  socket.emit("ready");
  await adv.ready;
  const eacces = Object.assign(new Error("send EACCES"), { code: "EACCES" });
  expect(() => socket.emit("error", eacces)).not.toThrow();
  expect(() => socket.emit("error", eacces)).not.toThrow();
  await adv.close();
});
