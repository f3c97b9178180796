// Writing to the caller's stdout/stderr with backpressure, so a flood of output never piles up in
// memory — the caller being this process or a thin front of the background process (host.ts).
import { currentHost, type StreamName } from "./host.ts";

/**
 * Writes and waits while the stream is full: memory stays flat under a flood, and nothing is still
 * queued when the process exits. Throws when the stream failed (EPIPE: its reader went away).
 */
export function writeOut(stream: StreamName, chunk: Uint8Array | string): Promise<void> {
  return currentHost().write(stream, chunk);
}

export function printJson(value: unknown): Promise<void> {
  return writeOut("stdout", `${JSON.stringify(value, null, 2)}\n`);
}

/** A line on stdout (what console.log was for the verbs). */
export function println(text: string): Promise<void> {
  return writeOut("stdout", `${text}\n`);
}

/** A line on stderr; a stderr nobody reads any more is no reason to fail. */
export function warn(message: string): void {
  currentHost().warn(`cluster-exec: ${message}\n`);
}

/** Prints a verb's --help text; exit 0. */
export async function printHelp(text: string): Promise<number> {
  await println(text);
  return 0;
}
