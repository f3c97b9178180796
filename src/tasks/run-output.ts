// A run's output kept in its task files: each stream capped like run results (head and tail, a
// marker between), opened on its first byte, so a run that prints nothing leaves no file.
import type { OutputStream } from "../exec/executor.ts";
import { CappedFileWriter } from "./output-file.ts";
import type { TaskPaths } from "./paths.ts";
import type { OutputSink } from "./request.ts";

export class RunOutputFiles implements OutputSink {
  private readonly writers: Partial<Record<OutputStream, CappedFileWriter>> = {};
  /** The first failure (no room, no permission): the rest of the output is not kept, the run goes on. */
  failure: Error | undefined;

  constructor(
    private readonly paths: Pick<TaskPaths, "stdout" | "stderr">,
    private readonly limit: number,
  ) {}

  write(stream: OutputStream, chunk: Uint8Array): void {
    if (this.failure) return;
    let w = this.writers[stream];
    if (!w) {
      try {
        w = new CappedFileWriter(this.paths[stream], this.limit);
      } catch (err) {
        this.failure = err as Error;
        return;
      }
      this.writers[stream] = w;
    }
    w.push(chunk);
  }

  /** Completes both files (tails after their markers); returns the bytes stored. */
  close(): number {
    let bytes = 0;
    for (const w of Object.values(this.writers)) {
      w.close();
      bytes += w.written;
      this.failure ??= w.failure;
    }
    return bytes;
  }
}
