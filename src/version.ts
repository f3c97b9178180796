// Version, build target and commit (the latter two are stamped in by scripts/build.ts).
import pkg from "../package.json" with { type: "json" };

declare const BUILD_TARGET: string | undefined;
declare const BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;

/** A `bun build --compile` binary (then process.execPath is this program itself). */
export function isCompiled(): boolean {
  return typeof BUILD_TARGET === "string";
}

export function versionInfo(): { name: string; version: string; target: string; commit: string } {
  return {
    name: "cluster-exec",
    version: VERSION,
    target:
      typeof BUILD_TARGET === "string"
        ? BUILD_TARGET
        : `${process.platform}-${process.arch} (source)`,
    commit: typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "dev",
  };
}
