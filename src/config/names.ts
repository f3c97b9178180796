// How node names appear in environment variable names (no dependencies: the CLI front uses it).

/** NAME in CLUSTER_<NAME>_HOST: upper-cased, non-alphanumerics removed (mac-studio → MACSTUDIO). */
export function envNodeKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "");
}
