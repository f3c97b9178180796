// `version`: what this binary is. Imports next to nothing: it must start about as fast as Bun.
import { versionInfo } from "../version.ts";
import { parseVerbArgs } from "./args.ts";

export const VERSION_HELP =
  "Usage: cluster-exec version [--json]\n\nPrints version, build target and commit.";

export async function versionVerb(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs("version", argv, { json: { type: "boolean" } });
  const v = versionInfo();
  const text = values.help
    ? VERSION_HELP
    : values.json
      ? JSON.stringify(v, null, 2)
      : `cluster-exec ${v.version} (${v.target}, commit ${v.commit})`;
  process.stdout.write(`${text}\n`);
  return 0;
}
