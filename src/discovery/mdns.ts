// One-shot mDNS lookup of a `.local` name (multicast-dns), bounded in time, closed when done.
import makeMdns from "multicast-dns";

export type MdnsFactory = (options?: makeMdns.Options) => makeMdns.MulticastDNS;

export interface MdnsLookupOptions {
  timeoutMs: number;
  /** Resolve as soon as an answer passes this check; others are only collected. */
  accept: (address: string) => boolean;
  factory?: MdnsFactory;
  signal?: AbortSignal;
}

export interface MdnsLookupResult {
  /** The first accepted address, if any arrived in time. */
  address?: string;
  /** Every address answered for the name, accepted or not, in arrival order. */
  seen: string[];
  /** Socket error that ended the lookup early (e.g. port 5353 not bindable). */
  error?: string;
}

/** Queries are repeated while waiting: a single lost datagram must not cost the whole timeout. */
const RESEND_MS = 400;

export function mdnsLookup(name: string, opts: MdnsLookupOptions): Promise<MdnsLookupResult> {
  const want = normalise(name);
  const seen: string[] = [];
  return new Promise((resolve) => {
    let done = false;
    let socket: makeMdns.MulticastDNS;
    const finish = (extra: Partial<MdnsLookupResult> = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(resend);
      opts.signal?.removeEventListener("abort", onAbort);
      try {
        socket?.destroy();
      } catch {
        // already closed
      }
      resolve({ seen, ...extra });
    };
    const onAbort = () => finish();
    const timer = setTimeout(() => finish(), opts.timeoutMs);
    const resend = setInterval(() => send(), RESEND_MS);
    try {
      socket = (opts.factory ?? makeMdns)();
    } catch (err) {
      finish({ error: (err as Error).message });
      return;
    }
    socket.on("error", (err: Error) => finish({ error: err.message }));
    socket.on("warning", () => {}); // e.g. a membership on an interface without multicast
    socket.on("response", (packet) => {
      for (const rr of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
        if ((rr.type !== "A" && rr.type !== "AAAA") || normalise(rr.name) !== want) continue;
        const address = String(rr.data);
        if (seen.includes(address)) continue;
        seen.push(address);
        if (opts.accept(address)) finish({ address });
      }
    });
    const send = () => {
      if (done) return;
      socket.query(
        {
          questions: [
            { name: want, type: "A" },
            { name: want, type: "AAAA" },
          ],
        },
        (err) => {
          if (err) finish({ error: err.message });
        },
      );
    };
    opts.signal?.addEventListener("abort", onAbort);
    if (opts.signal?.aborted) finish();
    else send();
  });
}

export function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
