// The configuration file `cluster-exec init` writes: probed facts as values, what was found and
// what to edit as comments, in the style of examples/minimal.toml. Pure text; load.ts reads it.

export interface InitNode {
  name: string;
  /** As given to init: an ~/.ssh/config alias, a name or an address. */
  host: string;
  /** The address it was reached at, when `host` is a name resolved here (a fallback). */
  ip?: string;
  user?: string;
  port?: number;
  os: "linux" | "macos";
  arch: "x86_64" | "arm64";
  cores: number;
  memBytes?: number;
  /** Found by the probe (capabilities.ts): shown, not written (every probe finds them again). */
  detected: string[];
  specialties: string[];
  /** This machine (probed in-process). */
  local?: boolean;
  /** "via ssh2" / "via openssh (ssh -G n1: hostname 10.0.0.5)". */
  reachedVia?: string;
  /** "ssh-ed25519 SHA256:…", the key pinned for it. */
  hostKey?: string;
}

export interface InitFile {
  nodes: InitNode[];
  user?: string;
  identityFile?: string;
  /** Written as a comment header. */
  writtenAt: string;
  writtenOn: string;
  knownHosts: string;
}

/** Specialties offered from what a node has: tie-breakers of routing, free to edit. */
const OFFERS: [string, string[]][] = [
  ["docker", ["containerization"]],
  ["podman", ["containerization"]],
  ["kubectl", ["containerization"]],
  ["gpu", ["gpu-compute"]],
  ["ollama", ["inference", "llm-api"]],
  ["slurm", ["batch-jobs"]],
  ["swift", ["apple-development"]],
  ["xcode", ["apple-development"]],
];

export function offeredSpecialties(capabilities: string[], cores: number): string[] {
  const out = new Set<string>();
  for (const [cap, specs] of OFFERS)
    if (capabilities.includes(cap)) for (const s of specs) out.add(s);
  if (cores >= 8) out.add("compilation");
  return [...out].sort();
}

const q = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(q).join(", ")}]`;
/** `key = value` with its comment aligned at column 36, as in examples/. */
const line = (kv: string, comment?: string) =>
  comment ? `${kv.length < 35 ? kv.padEnd(35) : `${kv}  `}# ${comment}` : kv;

export function renderInitToml(f: InitFile): string {
  const out = [
    `# cluster-exec configuration, written by \`cluster-exec init\` on ${f.writtenOn} at ${f.writtenAt}.`,
    "# Every key is optional except the node tables; `cluster-exec config check` validates this file,",
    "# `cluster-exec cluster-status` shows what each node reports now. Host keys are pinned by node",
    `# name in ${f.knownHosts}; \`cluster-exec forget-host NAME\` after a deliberate change.`,
    "",
    "[defaults]",
    f.user
      ? line(`user = ${q(f.user)}`, "SSH user (CLUSTER_SSH_USER); a node may set its own")
      : '# user = "me"                      # SSH user (CLUSTER_SSH_USER); default: the current user',
    f.identityFile
      ? line(
          `identity_file = ${q(f.identityFile)}`,
          "else ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa",
        )
      : '# identity_file = "~/.ssh/id_ed25519" # else ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa',
    '# binary_path = "~/.local/bin/cluster-exec" # where `cluster-exec deploy` puts cluster-exec on nodes',
    "# cmd_timeout = 300                # seconds a command may run (CLUSTER_CMD_TIMEOUT)",
  ];
  for (const n of f.nodes) out.push("", ...nodeTable(n));
  return `${out.join("\n")}\n`;
}

function nodeTable(n: InitNode): string[] {
  const env = n.name.toUpperCase().replace(/[^A-Z0-9]/g, "");
  const what = n.local
    ? "this machine (runs in-process, never over SSH)"
    : `reached ${n.reachedVia ?? "over SSH"}`;
  const out = [
    `# ${n.name}: ${what}${n.hostKey ? `; host key ${n.hostKey}` : ""}`,
    `[nodes.${n.name}]`,
  ];
  out.push(
    line(
      `host = ${q(n.host)}`,
      n.local ? "this machine's name" : `as given to init (CLUSTER_${env}_HOST)`,
    ),
  );
  if (n.ip)
    out.push(
      line(
        `ip = ${q(n.ip)}`,
        `the address init reached; used when mDNS and DNS fail (CLUSTER_${env}_IP)`,
      ),
    );
  if (n.user) out.push(line(`user = ${q(n.user)}`));
  if (n.port !== undefined) out.push(line(`port = ${n.port}`));
  out.push(line(`os = ${q(n.os)}`, "probed; linux | macos"));
  out.push(line(`arch = ${q(n.arch)}`, "probed; x86_64 | arm64"));
  const mem = n.memBytes ? `, ${(n.memBytes / 2 ** 30).toFixed(1)} GiB memory` : "";
  out.push(line(`cores = ${n.cores}`, `probed${mem}`));
  out.push(
    line(
      "capabilities = []",
      n.detected.length
        ? `found there now: ${n.detected.join(", ")} (found again by every probe); add what no probe sees, e.g. "nvme"`
        : 'none found (docker, podman, kubectl, nvidia-smi → gpu, ollama, bwrap, slurm); add e.g. "nvme"',
    ),
  );
  out.push(
    line(
      `specialties = ${list(n.specialties)}`,
      "offered from what was found; routing's tie-breaker, edit freely",
    ),
  );
  return out;
}
