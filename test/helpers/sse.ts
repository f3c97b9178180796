// Reading server-sent events from a fetch Response in tests: each event as {event, data}.

export interface SseEvent {
  event: string;
  data: string;
}

export interface SseReader {
  /** The next event whose name is `event` (and that `match` accepts); throws at the deadline. */
  next(event: string, timeoutMs?: number, match?: (data: unknown) => boolean): Promise<unknown>;
  /** Every event read so far, in order. */
  seen: SseEvent[];
  close(): Promise<void>;
}

export function sseReader(res: Response): SseReader {
  if (!res.body) throw new Error("no body");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const seen: SseEvent[] = [];
  const queue: SseEvent[] = [];
  let buffer = "";
  let ended = false;
  let wake: (() => void) | undefined;
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          const e = { event, data: data.join("\n") };
          seen.push(e);
          queue.push(e);
          wake?.();
        }
      }
    } catch {
      // canceled by close()
    } finally {
      ended = true;
      wake?.();
    }
  })();
  return {
    seen,
    async next(event, timeoutMs = 10_000, match = () => true) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex((e) => e.event === event && match(JSON.parse(e.data)));
        if (i >= 0) {
          const [e] = queue.splice(0, i + 1).slice(-1);
          return JSON.parse((e as SseEvent).data);
        }
        const left = deadline - performance.now();
        if (ended || left <= 0)
          throw new Error(
            `no "${event}" event ${ended ? "before the stream ended" : `within ${timeoutMs} ms`}; seen: ${seen.map((s) => s.event).join(", ")}`,
          );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}
