// An AgentChannel over a local child process's pipes: an `ssh` session over a ControlMaster (the
// openssh transport), or the agent itself started here (tests, benches).
import type { AgentChannel } from "./channel.ts";

const STDERR_KEEP = 4096;

export function processChannel(proc: Bun.Subprocess<"pipe", "pipe", "pipe">): AgentChannel {
  let onData: (chunk: Uint8Array) => void = () => {};
  const closeListeners: (() => void)[] = [];
  let closed = false;
  let errText = "";
  const closeOnce = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners.splice(0)) l();
  };
  let stdoutDone = false;
  void (async () => {
    try {
      for await (const chunk of proc.stdout) onData(chunk);
    } catch {
      // the process is gone
    }
    stdoutDone = true;
    closeOnce();
  })();
  void (async () => {
    try {
      for await (const chunk of proc.stderr)
        errText = (errText + new TextDecoder().decode(chunk)).slice(-STDERR_KEEP);
    } catch {
      // the process is gone
    }
  })();
  void proc.exited.then(async () => {
    // Its output may still be in the pipe: the close comes after the last byte.
    if (!stdoutDone) await Bun.sleep(0);
    if (!stdoutDone) return;
    closeOnce();
  });
  return {
    write(bytes) {
      if (closed) return;
      try {
        proc.stdin.write(bytes);
        proc.stdin.flush();
      } catch {
        closeOnce();
      }
    },
    onData(listener) {
      onData = listener;
    },
    onClose(listener) {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    stderr: () => errText,
    close() {
      if (closed) return;
      try {
        proc.stdin.end();
      } catch {
        // already gone
      }
      closeOnce();
    },
  };
}
