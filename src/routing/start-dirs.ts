// Where a command starts, for the policy: the given cwd, else each candidate node's default — the
// process directory for this machine, the home (`~`) for a remote node. Pure: no I/O.
import { UNKNOWN_DIR } from "../shell/analysis.ts";
import { normalisePath } from "../shell/paths.ts";
import type { ChooseInput } from "./types.ts";

export function startDirectories(input: ChooseInput): string[] {
  const nodes = input.explicitNode
    ? input.nodes.filter((n) => n.name === input.explicitNode)
    : input.nodes;
  const bases: string[] = [];
  const add = (d: string) => {
    if (!bases.includes(d)) bases.push(d);
  };
  if (nodes.some((n) => n.isLocal)) add(input.localDir ?? UNKNOWN_DIR);
  if (nodes.some((n) => !n.isLocal)) add("~");
  if (bases.length === 0) add(UNKNOWN_DIR);
  const cwd = input.cwd;
  if (cwd === undefined) return bases;
  if (cwd.startsWith("/") || cwd.startsWith("~")) return [normalisePath(cwd)];
  // A relative cwd starts from each node's default directory.
  return bases.map((b) => (b === UNKNOWN_DIR ? UNKNOWN_DIR : normalisePath(`${b}/${cwd}`)));
}
