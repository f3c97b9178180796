// Deploying cluster-exec to one node: find its target, compare SHA-256s, copy the binary beside
// binary_path (atomic write, 0755), check its digest and run `version --json` there, and only then
// rename it over the old one — a copy that fails (disk full, permission, wrong arch) leaves the
// node's previous binary in place and says why.

import { homeQuote } from "../cluster/remote-probe.ts";
import { toClusterError } from "../errors.ts";
import type { FileTransfer } from "../exec/file-transfer.ts";
import type { FilesFor } from "../files/api.ts";
import type { BinarySources } from "./binary-source.ts";
import { targetOf } from "./binary-source.ts";
import type { NodeExec } from "./node-exec.ts";

export type DeployState = "copied" | "up_to_date" | "would_copy" | "failed";

export interface NodeDeploy {
  node: string;
  state: DeployState;
  target: string | null;
  /** Where the binary is on the node (absolute). */
  path: string | null;
  /** The digest there now (after a copy: the new one). */
  sha256: string | null;
  /** The digest there before (null: there was none). */
  previous_sha256: string | null;
  /** `cluster-exec version --json` as the node's binary answers it. */
  version: { version: string; commit: string; target: string } | null;
  bytes: number | null;
  duration_ms: number;
  error?: { code: string; message: string };
}

export interface DeployNodeDeps {
  filesFor: FilesFor;
  execOn: NodeExec;
  sources: BinarySources;
  timeoutMs: number;
  onProgress?: (node: string, line: string) => void;
}

/** One node; never throws: a failure is the result's state and error. */
export async function deployNode(
  node: string,
  binaryPath: string,
  check: boolean,
  deps: DeployNodeDeps,
  signal?: AbortSignal,
): Promise<NodeDeploy> {
  const started = performance.now();
  const out: NodeDeploy = {
    node,
    state: "failed",
    target: null,
    path: null,
    sha256: null,
    previous_sha256: null,
    version: null,
    bytes: null,
    duration_ms: 0,
  };
  const say = (line: string) => deps.onProgress?.(node, line);
  const sh = (command: string) => deps.execOn(node, command, { timeoutMs: deps.timeoutMs, signal });
  let files: FileTransfer | undefined;
  let staging: string | undefined;
  try {
    const uname = await sh("uname -s; uname -m");
    const [kernel = "", machine = ""] = uname.stdout.trim().split("\n");
    if (uname.code !== 0 || !kernel) throw new Error(`uname failed there: ${uname.stderr.trim()}`);
    out.target = targetOf(kernel.trim(), machine.trim());
    const source = await deps.sources.forTarget(out.target);
    files = await deps.filesFor(node, signal);
    const path = await files.resolve(binaryPath);
    out.path = path;
    const there = await files.stat(path);
    out.previous_sha256 = there ? await sha256There(sh, path) : null;
    if (out.previous_sha256 === source.sha256) {
      out.state = "up_to_date";
      out.sha256 = source.sha256;
      out.version = await versionThere(sh, path).catch(() => null);
      say(
        `up to date (${out.target}, sha256 ${short(source.sha256)}${out.version ? `, ${out.version.version}` : ""})`,
      );
      return out;
    }
    if (check) {
      out.state = "would_copy";
      say(
        `would copy ${mb(source.size)} (${out.target}): ${there ? `sha256 there ${short(out.previous_sha256)}` : "none there"}`,
      );
      return out;
    }
    say(
      `copying ${mb(source.size)} (${out.target}${source.self ? ", this binary" : ""}) to ${path}`,
    );
    const slash = path.lastIndexOf("/");
    staging = `${path.slice(0, slash)}/.${path.slice(slash + 1)}.deploy-${Math.random().toString(36).slice(2, 8)}`;
    await files.write(
      staging,
      { size: source.size, stream: () => Bun.file(source.path).stream() },
      {
        mode: 0o755,
        signal,
      },
    );
    const landed = await sha256There(sh, staging);
    if (landed !== source.sha256)
      throw new Error(
        `the copy's sha256 there is ${landed ?? "unreadable"}, expected ${source.sha256}`,
      );
    out.version = await versionThere(sh, staging);
    await files.rename(staging, path);
    staging = undefined;
    out.state = "copied";
    out.sha256 = source.sha256;
    out.bytes = source.size;
    const s = (performance.now() - started) / 1000;
    say(
      `copied in ${s.toFixed(1)} s, sha256 ${short(source.sha256)} verified, cluster-exec ${out.version.version} (${out.version.commit}) runs there`,
    );
    return out;
  } catch (err) {
    const e = toClusterError(err);
    out.state = "failed";
    out.error = { code: e.code, message: e.message };
    say(`FAILED: ${e.message}${out.path ? `; ${out.path} there is unchanged` : ""}`);
    return out;
  } finally {
    if (staging) await files?.remove(staging).catch(() => {});
    await files?.close().catch(() => {});
    out.duration_ms = Math.round(performance.now() - started);
  }
}

type Sh = (command: string) => Promise<{ stdout: string; stderr: string; code: number | null }>;

/** sha256sum (Linux) or shasum (macOS); null when neither can read the file. */
async function sha256There(sh: Sh, path: string): Promise<string | null> {
  const p = homeQuote(path);
  const r = await sh(
    `if command -v sha256sum >/dev/null 2>&1; then sha256sum -- ${p}; else shasum -a 256 -- ${p}; fi`,
  );
  const hex = /^([0-9a-f]{64})\b/.exec(r.stdout.trim())?.[1];
  return r.code === 0 && hex ? hex : null;
}

/** Runs the binary there: a wrong architecture or a broken copy fails here, before the rename. */
async function versionThere(
  sh: Sh,
  path: string,
): Promise<{ version: string; commit: string; target: string }> {
  const r = await sh(`${homeQuote(path)} version --json`);
  if (r.code !== 0)
    throw new Error(
      `the binary does not run there (exit ${r.code ?? "by signal"}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 200)}` : ""})`,
    );
  try {
    const v = JSON.parse(r.stdout) as { version: string; commit: string; target: string };
    if (typeof v.version !== "string") throw new Error("no version");
    return { version: v.version, commit: String(v.commit), target: String(v.target) };
  } catch {
    throw new Error(`\`version --json\` there printed no version: ${r.stdout.slice(0, 120)}`);
  }
}

const short = (hex: string | null) => (hex ? hex.slice(0, 12) : "-");
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
