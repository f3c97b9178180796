// put_file under a node's sandbox level: a file lands only where a command run on that node could
// write it (`system`: not in the system directories; `workspace`: the home, the temp directory and
// the node's `writable` paths), so a file tool is no way around the sandbox.
import type { NodeConfig } from "../config/load.ts";
import type { FileTransfer } from "../exec/file-transfer.ts";
import { sandboxWriteRefusal } from "../policy/sandbox-write.ts";
import { KERNEL_DIRS, SYSTEM_DIRS } from "../sandbox/paths.ts";

/** The refusal of writing `target` (absolute, symlinks of its parents resolved on the node). */
export async function sandboxRefusal(
  files: FileTransfer,
  node: NodeConfig | undefined,
  target: string,
): Promise<{ rule: string; message: string } | undefined> {
  if (!node || node.sandbox === "off") return undefined;
  // The home as the node resolves it: `target` has its symlinks resolved too.
  const home = await files.realpath("~").catch(() => files.resolve("~"));
  return sandboxWriteRefusal(target, {
    level: node.sandbox,
    home,
    writable: node.writable,
    systemDirs: [...SYSTEM_DIRS, ...KERNEL_DIRS],
  });
}
