// `copy SRC NODE:DST` / `copy NODE:SRC DST`: a file to or from a node (SFTP, or this machine's files).
import type { Config } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { createFileApi } from "../files/api.ts";
import { download, nodeSpec, upload } from "../files/copy.ts";
import { createRuntime } from "../run/runtime.ts";
import { openTasks } from "../tasks/open.ts";
import { parseVerbArgs } from "./args.ts";
import { printJson, warn } from "./output.ts";

export const COPY_HELP = `Usage: cluster-exec copy [--mode MODE] [--json] SRC NODE:DST
       cluster-exec copy [--mode MODE] [--json] NODE:SRC DST

Copies one file to a node or from one. Paths on the node are absolute or relative to the user's home
directory; into an existing directory (on either side) or a DST ending in "/", the file keeps its name. Writes are
atomic on both sides (temp file, fsync, rename); parent directories on the node are created. The same
rules as the put_file tool apply: at most file_max_bytes (CLUSTER_FILE_MAX_BYTES, 64 MiB), and no
writing into system trees, account files, disks or SSH directories (exit 77, naming the rule). Every
copy is recorded in the audit log.
  --mode MODE   octal permission bits for the copy (default: the source file's)
  --json        print {direction, node, remote, local, bytes, sha256}
Exit codes: 0 copied; 2 usage, unknown node or over the size limit; 66 no such file; 69 node
unreachable; 74 the file could not be written or read there (permission, disk full); 77 refused.`;

export async function copyVerb(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("copy", argv, {
    mode: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    console.log(COPY_HELP);
    return 0;
  }
  if (positionals.length !== 2)
    throw new ClusterError(
      "USAGE",
      `copy: expected SRC and DST (one of them NODE:PATH), got ${positionals.length} argument(s); see \`cluster-exec copy --help\``,
    );
  const [src, dst] = positionals as [string, string];
  const from = nodeSpec(src, config);
  const to = nodeSpec(dst, config);
  if (from && to)
    throw new ClusterError(
      "USAGE",
      "copy: both SRC and DST name a node; copy through this machine in two steps",
    );
  if (!from && !to)
    throw new ClusterError(
      "USAGE",
      `copy: neither ${JSON.stringify(src)} nor ${JSON.stringify(dst)} is NODE:PATH with a known node (${Object.keys(config.nodes).join(", ")})`,
    );
  if (values.mode !== undefined && !/^0?[0-7]{3,4}$/.test(values.mode))
    throw new ClusterError(
      "USAGE",
      `--mode: got ${JSON.stringify(values.mode)}, expected octal permission bits like 0644`,
    );
  const mode = values.mode !== undefined ? Number.parseInt(values.mode, 8) : undefined;

  const tasks = openTasks(config);
  const rt = createRuntime(config);
  const api = createFileApi({ config, filesFor: rt.filesFor, audit: (r) => tasks.audit.append(r) });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, onSignal);
  let shown = -1;
  const onProgress = (done: number, total: number) => {
    const pct = total > 0 ? Math.floor((done / total) * 10) : 10;
    if (pct === shown || total < 4 * 1_048_576) return; // small files: no progress lines
    shown = pct;
    warn(`copy: ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
  };
  try {
    const opts = { requester: "cli" as const, mode, signal: abort.signal, onProgress };
    const r = from
      ? await download(api, from.node, from.path, dst, opts)
      : await upload(api, src, (to as { node: string }).node, (to as { path: string }).path, opts);
    if (values.json) await printJson(r);
    else
      console.log(
        r.direction === "upload"
          ? `copied ${r.local} to ${r.node}:${r.remote} (${r.bytes} bytes, sha256 ${r.sha256})`
          : `copied ${r.node}:${r.remote} to ${r.local} (${r.bytes} bytes, sha256 ${r.sha256})`,
      );
    return 0;
  } finally {
    for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, onSignal);
    await rt.close();
  }
}
