// Progress notifications for long runs: the newest output lines, at least every 2 s.
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { OutputStream } from "../exec/executor.ts";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const HEARTBEAT_MS = 2000;
const MIN_GAP_MS = 250;
const KEEP_CHARS = 2000;
const KEEP_LINES = 20;

export interface Progress {
  onOutput?: (stream: OutputStream, chunk: Uint8Array) => void;
  stop(): void;
}

/** A reporter when the client sent a progress token; otherwise one that does nothing. */
export function startProgress(extra: ToolExtra, label: string): Progress {
  const token = extra._meta?.progressToken;
  if (token === undefined) return { stop() {} };
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const started = Date.now();
  let recent = "";
  let count = 0;
  let lastSent = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const send = () => {
    pending = undefined;
    lastSent = Date.now();
    const lines = recent.split("\n").slice(-KEEP_LINES).join("\n");
    const seconds = Math.round((lastSent - started) / 1000);
    extra
      .sendNotification({
        method: "notifications/progress",
        params: {
          progressToken: token,
          progress: ++count,
          message: lines
            ? `${label} (${seconds}s)\n${lines}`
            : `${label} (${seconds}s, no output yet)`,
        },
      })
      .catch(() => {}); // a client that went away must not fail the run
  };
  const heartbeat = setInterval(send, HEARTBEAT_MS);

  return {
    onOutput(stream, chunk) {
      recent = (recent + decoder[stream].decode(chunk, { stream: true })).slice(-KEEP_CHARS);
      if (pending) return;
      pending = setTimeout(send, Math.max(0, MIN_GAP_MS - (Date.now() - lastSent)));
    },
    stop() {
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
    },
  };
}
