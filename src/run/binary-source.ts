// Which cluster-exec binary a node gets: its os/arch as a build target, this very binary when the
// target matches, else DIR/cluster-exec-<target>; and each file's SHA-256, hashed once.
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClusterError } from "../errors.ts";
import { sha256File } from "../exec/local-files.ts";
import { isCompiled, versionInfo } from "../version.ts";

/** The targets `npm run build` writes (scripts/build.ts). */
export const BUILD_TARGETS = ["linux-x64", "linux-arm64", "darwin-arm64"] as const;

/** `uname -s` and `uname -m` as a build target name, e.g. linux-x64, darwin-arm64. */
export function targetOf(kernel: string, machine: string): string {
  const os = kernel === "Linux" ? "linux" : kernel === "Darwin" ? "darwin" : kernel.toLowerCase();
  const m = machine.toLowerCase();
  const arch =
    m === "x86_64" || m === "amd64" ? "x64" : m === "aarch64" || m === "arm64" ? "arm64" : m;
  return `${os}-${arch}`;
}

export interface BinarySource {
  path: string;
  size: number;
  sha256: string;
  /** This running program (rather than a file from --from). */
  self: boolean;
}

export class BinarySources {
  private readonly hashes = new Map<string, Promise<string>>();

  constructor(private readonly fromDir: string) {}

  /** The binary for `target`; FILE_NOT_FOUND naming the file and how to make it. */
  async forTarget(target: string): Promise<BinarySource> {
    const own = versionInfo().target;
    if (isCompiled() && own === target) return this.describe(process.execPath, true);
    const path = resolve(join(this.fromDir, `cluster-exec-${target}`));
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
      const known = (BUILD_TARGETS as readonly string[]).includes(target);
      throw new ClusterError(
        "FILE_NOT_FOUND",
        known
          ? `no binary for ${target}: ${path} does not exist (build it with \`npm run build\`, or point --from at a directory with cluster-exec-${target})`
          : `no cluster-exec build for ${target} (builds: ${BUILD_TARGETS.join(", ")})`,
        { target },
      );
    }
    return this.describe(path, false);
  }

  private async describe(path: string, self: boolean): Promise<BinarySource> {
    let hash = this.hashes.get(path);
    if (!hash) {
      hash = sha256File(path);
      this.hashes.set(path, hash);
    }
    return { path, size: statSync(path).size, sha256: await hash, self };
  }
}
