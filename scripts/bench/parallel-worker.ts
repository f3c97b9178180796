// Worker thread of scripts/bench/parallel.ts: its own runtime (own SSH pool) built from the config
// the main thread sends; runs one request per "run" message and posts the result back by id.
import type { Config } from "../../src/config/load.ts";
import type { RunResult } from "../../src/exec/result.ts";
import { createRuntime, type Runtime } from "../../src/run/runtime.ts";
import type { RunRequest } from "../../src/tasks/request.ts";

export type ToWorker =
  | { type: "init"; config: Config }
  | { type: "run"; id: number; req: RunRequest }
  | { type: "close" };

export type FromWorker =
  | { type: "ready" }
  | { type: "result"; id: number; result: RunResult }
  | { type: "closed" }
  | { type: "error"; message: string };

declare const self: Worker;

let runtime: Runtime | undefined;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const post = (m: FromWorker) => self.postMessage(m);
  try {
    switch (msg.type) {
      case "init":
        runtime = createRuntime(msg.config);
        post({ type: "ready" });
        break;
      case "run": {
        if (!runtime) throw new Error("run before init");
        post({ type: "result", id: msg.id, result: await runtime.run(msg.req) });
        break;
      }
      case "close":
        await runtime?.close();
        runtime = undefined;
        post({ type: "closed" });
        break;
    }
  } catch (err) {
    post({ type: "error", message: String((err as Error)?.stack ?? err) });
  }
};
