// Command lines too long to pass as an argument (Linux caps one at 128 KiB; the remote wrappers
// quote the command once or more): the line goes to a file on the node first, and a short
// bootstrap reads it, removes it and runs it in the same shell, as `bash -c` would have.
import type { FilesFor } from "../files/api.ts";
import { shellQuote } from "../shell/quote.ts";

/** Past this the line is staged: a third of the argument limit, room for the wrappers' quoting. */
export const INLINE_MAX_BYTES = 32 * 1024;

/** Quoting a `'` costs 4 bytes, and the ssh2 wrapper quotes twice: count it as 12 more. */
export function needsStaging(command: string): boolean {
  if (command.length > INLINE_MAX_BYTES) return true;
  let quotes = 0;
  for (let i = command.indexOf("'"); i >= 0; i = command.indexOf("'", i + 1)) quotes++;
  return Buffer.byteLength(command) + 12 * quotes > INLINE_MAX_BYTES;
}

/**
 * The line that runs the staged file: read whole (so removing it is safe, and a sandbox that
 * cannot remove it still runs it), then eval'd. `printf x` keeps trailing newlines, which `$()`
 * would strip (a here-doc's delimiter line may be the last). The variable is gone before the
 * script's first command runs.
 */
export function bootstrap(path: string): string {
  const p = shellQuote(path);
  return `__cluster_exec_script=$(cat ${p} && printf x) || exit 126; rm -f ${p} 2>/dev/null; eval "unset __cluster_exec_script; \${__cluster_exec_script%x}"`;
}

export interface Staged {
  command: string;
  /** Removes the file if the bootstrap never got to (best effort). */
  cleanup(): Promise<void>;
}

/** Writes the line to ~/.cache/cluster-exec/run/TASK.sh (0600) on the node. */
export function createStager(filesFor: FilesFor) {
  return async (
    node: string,
    command: string,
    taskId: string,
    signal?: AbortSignal,
  ): Promise<Staged> => {
    const files = await filesFor(node, signal);
    try {
      const r = await files.write(
        `~/.cache/cluster-exec/run/${taskId}.sh`,
        new TextEncoder().encode(command),
        {
          mode: 0o600,
          signal,
        },
      );
      return {
        command: bootstrap(r.path),
        cleanup: async () => {
          const again = await filesFor(node).catch(() => undefined);
          await again?.remove(r.path).catch(() => {});
          await again?.close().catch(() => {});
        },
      };
    } finally {
      await files.close().catch(() => {});
    }
  };
}
