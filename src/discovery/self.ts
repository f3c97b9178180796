// `advertise = true`: what `serve` and `mcp` start so peers find this node by mDNS without avahi.
import os from "node:os";
import type { Config } from "../config/load.ts";
import { type Advertiser, type AdvertiserOptions, startAdvertiser } from "./advertise.ts";
import { findLocalNode } from "./local.ts";
import { mdnsNameFor } from "./resolve.ts";

/** The `.local` names this machine answers for: its node's name and host, and its hostname. */
export function selfNames(config: Config, hostname = os.hostname()): string[] {
  const local = findLocalNode(config, { hostname });
  const node = local ? config.nodes[local] : undefined;
  const names = [local, node?.host, hostname.split(".")[0]]
    .filter((n): n is string => Boolean(n))
    .map(mdnsNameFor)
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)];
}

/**
 * Starts the responder when the configuration asks for it (advertise = true); undefined otherwise.
 * Rejects when port 5353 cannot be bound. The caller owns the result and calls close().
 */
export async function startSelfAdvertiser(
  config: Config,
  opts: Omit<AdvertiserOptions, "names"> = {},
): Promise<Advertiser | undefined> {
  if (!config.settings.advertise) return undefined;
  const adv = startAdvertiser({ ...opts, names: selfNames(config) });
  try {
    await adv.ready;
  } catch (err) {
    await adv.close();
    throw err;
  }
  return adv;
}
