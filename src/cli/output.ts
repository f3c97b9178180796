// Writing to stdout/stderr with backpressure, so a flood of output never piles up in memory.
import { once } from "node:events";

/**
 * Writes and waits for "drain" when the stream buffered the chunk: memory stays flat under a flood,
 * and nothing is still queued when the process exits (a write that returned true went out at once).
 * Throws when the stream failed (EPIPE: its reader went away); a failed stream never drains.
 */
export async function writeOut(
  stream: NodeJS.WriteStream,
  chunk: Uint8Array | string,
): Promise<void> {
  if (stream.write(chunk)) return;
  if (stream.errored) throw stream.errored;
  await once(stream, "drain"); // rejects when the stream fails meanwhile
}

export function printJson(value: unknown): Promise<void> {
  return writeOut(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
}

/** A line on stderr; a stderr nobody reads any more is no reason to fail. */
export function warn(message: string): void {
  try {
    process.stderr.write(`cluster-exec: ${message}\n`);
  } catch {
    // EPIPE: nobody to tell
  }
}

/** Prints a verb's --help text; exit 0. */
export function printHelp(text: string): number {
  console.log(text);
  return 0;
}
