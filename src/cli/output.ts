// Writing to stdout/stderr with backpressure, so a flood of output never piles up in memory.
import { once } from "node:events";

export async function writeOut(
  stream: NodeJS.WriteStream,
  chunk: Uint8Array | string,
): Promise<void> {
  if (!stream.write(chunk)) await once(stream, "drain");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`cluster-exec: ${message}\n`);
}
