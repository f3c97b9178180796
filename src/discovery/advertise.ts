// Self-advertisement: answer mDNS queries for this node's own names, for machines without avahi/Bonjour.
import type { RemoteInfo } from "node:dgram";
import { isIP } from "node:net";
import makeMdns from "multicast-dns";
import { checkRemoteAddress } from "./ip-policy.ts";
import { interfaceAddresses } from "./local.ts";
import { type MdnsFactory, normalise } from "./mdns.ts";

export interface AdvertiserOptions {
  /** Names answered for, e.g. ["n1.local"]; matched case-insensitively. */
  names: string[];
  /** Addresses to answer with; default: this machine's interface addresses usable by peers. */
  addresses?: () => string[];
  factory?: MdnsFactory;
  /** Seconds peers may cache the answer. */
  ttl?: number;
  /** Every query seen (any name): for logs and tests. */
  onQuery?: (names: string[], from: RemoteInfo) => void;
}

export interface Advertiser {
  /** Settles once the socket is bound (rejects if it cannot be). */
  ready: Promise<void>;
  close(): Promise<void>;
}

const MDNS_PORT = 5353;

export function startAdvertiser(opts: AdvertiserOptions): Advertiser {
  const names = new Set(opts.names.map(normalise));
  const addresses = opts.addresses ?? usableAddresses;
  const socket = (opts.factory ?? makeMdns)();
  let closed = false;
  const ready = new Promise<void>((resolve, reject) => {
    socket.once("ready", () => resolve());
    // Not once: a second error with nobody listening would be thrown and end the server. After
    // ready, an error (EACCES on a send) costs one answer; the responder goes on.
    socket.on("error", (err: Error) => reject(err));
  });
  ready.catch(() => {}); // the caller decides whether to await it
  socket.on("warning", () => {});
  socket.on("query", (query, rinfo) => {
    const asked = (query.questions ?? []).map((q) => normalise(q.name));
    opts.onQuery?.(asked, rinfo);
    // dns-packet's types lack ANY (255), which it does decode as "ANY".
    const questions = (query.questions ?? []).filter(
      (q) => names.has(normalise(q.name)) && ["A", "AAAA", "ANY"].includes(q.type as string),
    );
    if (questions.length === 0) return;
    const answers: makeMdns.ResponseOutgoingPacket["answers"] = [];
    for (const q of questions) {
      for (const address of addresses()) {
        const type = isIP(address) === 6 ? "AAAA" : "A";
        if ((q.type as string) !== "ANY" && q.type !== type) continue;
        answers.push({ name: q.name, type, ttl: opts.ttl ?? 120, data: address, flush: true });
      }
    }
    if (answers.length === 0) return;
    // A query from a port other than 5353 is a one-shot (legacy) query: answer it directly.
    if (rinfo.port !== MDNS_PORT)
      socket.respond(
        { answers, questions, id: query.id },
        { port: rinfo.port, address: rinfo.address },
      );
    else socket.respond({ answers });
  });
  return {
    ready,
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.destroy(() => resolve());
      }),
  };
}

/** This machine's addresses that a peer could reach it at (no loopback, link-local, ...). */
export function usableAddresses(): string[] {
  return interfaceAddresses().filter((a) => checkRemoteAddress(a).ok);
}
