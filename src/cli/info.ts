// `probe` and `config check|show`: verbs that only report.
import { probeLocal } from "../cluster/probe.ts";
import { identityFileProblems } from "../config/identity-check.ts";
import type { Config } from "../config/load.ts";
import { ClusterError } from "../errors.ts";
import { parseVerbArgs } from "./args.ts";
import { printHelp, printJson, warn } from "./output.ts";

export const PROBE_HELP = `Usage: cluster-exec probe [--json]

Prints this machine's load sample: os, arch, cores, load_1m/5m/15m, cpu_percent (over ~100 ms),
memory_percent, mem_total, the capabilities found here (tools on the PATH: docker, podman,
kubectl, ollama, bwrap, srun → slurm, nvidia-smi or /dev/nvidia0 → gpu, swift/xcodebuild with
Xcode) and sandbox (bwrap, sandbox-exec or none: what runs here can be sandboxed with). Remote load
sampling runs this on each node.`;

export async function probeVerb(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs("probe", argv, { json: { type: "boolean" } });
  if (values.help) return printHelp(PROBE_HELP);
  const s = await probeLocal();
  if (values.json) await printJson(s);
  else
    console.log(
      `${s.hostname}  ${s.os}/${s.arch}  cores ${s.cores}  load ${s.load_1m} ${s.load_5m} ${s.load_15m}  ` +
        `cpu ${s.cpu_percent}%  mem ${s.memory_percent}% of ${(s.mem_total / 2 ** 30).toFixed(1)} GiB  ` +
        `capabilities ${s.capabilities?.join(",") || "-"}  sandbox ${s.sandbox ?? "none"}`,
    );
  return 0;
}

export const CONFIG_HELP = `Usage: cluster-exec config check | show [--json]

  check   validate the configuration (file, environment, defaults) and the identity files it
          names (present, readable, a private key); exit 2 naming each bad key
  show    print the effective configuration, secrets redacted
The file is --config PATH, else $CLUSTER_CONFIG, else ~/.config/cluster-exec/cluster.toml;
without one, a one-node cluster of this machine is used.`;

export async function configVerb(argv: string[], load: () => Config): Promise<number> {
  const { values, positionals } = parseVerbArgs("config", argv, { json: { type: "boolean" } });
  if (values.help) return printHelp(CONFIG_HELP);
  const sub = positionals[0];
  if (sub !== "check" && sub !== "show")
    throw new ClusterError(
      "USAGE",
      `config: got ${JSON.stringify(sub ?? "")}, expected "check" or "show"`,
    );
  const config = load();
  for (const w of config.warnings) warn(`warning: ${w}`);
  if (sub === "check") {
    const problems = identityFileProblems(config);
    if (problems.length > 0) throw new ClusterError("CONFIG_INVALID", problems.join("; "));
    const names = Object.keys(config.nodes);
    console.log(`ok: ${config.source}: ${names.length} node(s): ${names.join(", ")}`);
    return 0;
  }
  const shown = redact({ source: config.source, defaults: config.settings, nodes: config.nodes });
  if (values.json) await printJson(shown);
  else process.stdout.write(toToml(shown));
  return 0;
}

const SECRET = /token|secret|password|passphrase/i;

export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v) => (SECRET.test(k) && v ? "***redacted***" : v)));
}

function toToml(c: { source: string; defaults: object; nodes: Record<string, object> }): string {
  const scalar = (v: unknown) => JSON.stringify(v);
  const table = (name: string, obj: object) =>
    `[${name}]\n${Object.entries(obj)
      .filter(([k, v]) => v !== undefined && k !== "name")
      .map(([k, v]) => `${k} = ${Array.isArray(v) ? `[${v.map(scalar).join(", ")}]` : scalar(v)}`)
      .join("\n")}\n`;
  return [
    `# effective configuration (source: ${c.source})`,
    table("defaults", c.defaults),
    ...Object.entries(c.nodes).map(([n, node]) =>
      table(`nodes.${/^[A-Za-z0-9_-]+$/.test(n) ? n : scalar(n)}`, node),
    ),
  ].join("\n");
}
