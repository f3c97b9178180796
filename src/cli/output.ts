// Writing to stdout/stderr with backpressure, so a flood of output never piles up in memory.
import { once } from "node:events";

/**
 * Writes and waits for "drain" when the stream buffered the chunk: memory stays flat under a flood,
 * and nothing is still queued when the process exits (a write that returned true went out at once).
 */
export async function writeOut(
  stream: NodeJS.WriteStream,
  chunk: Uint8Array | string,
): Promise<void> {
  if (!stream.write(chunk)) await once(stream, "drain");
}

export function printJson(value: unknown): Promise<void> {
  return writeOut(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`cluster-exec: ${message}\n`);
}
