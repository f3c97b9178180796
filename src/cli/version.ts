// `version`: what this binary is. Imports next to nothing: it must start about as fast as Bun.
import { isCompiled, versionInfo } from "../version.ts";
import { parseVerbArgs } from "./args.ts";

export const VERSION_HELP = `Usage: cluster-exec version [--json] [--sha256]

Prints version, build target and commit.
  --sha256   also the SHA-256 of this binary (as in SHA256SUMS; null when run from source)`;

export async function versionVerb(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs("version", argv, {
    json: { type: "boolean" },
    sha256: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(`${VERSION_HELP}\n`);
    return 0;
  }
  const v: ReturnType<typeof versionInfo> & { sha256?: string | null } = versionInfo();
  // From source, process.execPath is Bun itself: its digest would say nothing about this program.
  if (values.sha256)
    v.sha256 = isCompiled()
      ? await (await import("../exec/local-files.ts")).sha256File(process.execPath)
      : null;
  const sum = v.sha256 === undefined ? "" : ` sha256 ${v.sha256 ?? "- (run from source)"}`;
  const text = values.json
    ? JSON.stringify(v, null, 2)
    : `cluster-exec ${v.version} (${v.target}, commit ${v.commit})${sum}`;
  process.stdout.write(`${text}\n`);
  return 0;
}
