// Lets a transport stop tool calls whose client went away. Over HTTP a client that drops the POST's
// connection mid-run is gone, but the SDK would let the handler run on; the HTTP app reports the
// dropped request ids here and the run is canceled (its process group killed on its node).
import type { ToolExtra } from "./progress.ts";

const controllers = new Map<string, AbortController>();
const key = (session: string | undefined, id: string | number) => `${session ?? ""}\u0000${id}`;

/** The signal a tool handler should run with: the SDK's cancel or the client's disconnect. */
export function requestSignal(extra: ToolExtra): { signal: AbortSignal; release(): void } {
  const k = key(extra.sessionId, extra.requestId);
  const own = new AbortController();
  controllers.set(k, own);
  return {
    signal: AbortSignal.any([extra.signal, own.signal]),
    release: () => {
      if (controllers.get(k) === own) controllers.delete(k);
    },
  };
}

/** Does the session have tool calls still running? (Such a session is not idle.) */
export function hasRequestsInFlight(session: string): boolean {
  const prefix = key(session, "");
  for (const k of controllers.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

/** The client of these requests disconnected: abort the runs still going. */
export function abortRequests(session: string | undefined, ids: (string | number)[]): void {
  for (const id of ids) controllers.get(key(session, id))?.abort();
}
