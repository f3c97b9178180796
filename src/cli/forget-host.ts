// `forget-host NAME`: drop a node's pinned host key, so the next connection pins the new one.
import type { Config } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { fingerprint, KnownHosts, knownHostsPath } from "../remote/host-keys.ts";
import { unknownNodeError } from "../run/nodes.ts";
import { parseVerbArgs } from "./args.ts";

export const FORGET_HOST_HELP = `Usage: cluster-exec forget-host NAME

Removes the host key pinned for node NAME from the known-hosts file in the state directory.
The next connection to NAME accepts and pins whatever key it presents then (accept-new), so run
this only when you know why the key changed (reinstalled node, rotated key).`;

export async function forgetHostVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("forget-host", argv, {});
  if (values.help) {
    console.log(FORGET_HOST_HELP);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0)
    throw new ClusterError("USAGE", "forget-host: expected exactly one node name; see --help");
  const hosts = new KnownHosts(knownHostsPath(config.settings.state_dir));
  const pinned = hosts.lookup(name);
  if (!pinned) {
    if (!(name in config.nodes)) throw unknownNodeError(name, config);
    console.log(`no host key pinned for ${name} (${hosts.path}); nothing to forget`);
    return 0;
  }
  hosts.forget(name);
  const fp = fingerprint(Buffer.from(pinned.base64, "base64"));
  console.log(
    `forgot host key of ${name}: ${pinned.type} ${fp}; the next connection pins the key it presents`,
  );
  return 0;
}
