// Host and Origin checks shared by /mcp and the status page: DNS-rebinding protection and
// browser origins, before any token is looked at.
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

export interface GuardOptions {
  /** The address the server binds; Host headers must name it. */
  host: string;
  /** Read per request: the port may be bound late (--port 0). */
  readonly port: number;
  /** Origins allowed when a request carries an Origin header; default none. */
  allowedOrigins: string[];
}

/**
 * Refuses (403) a Host that does not name this server, and an Origin that is not allowed. With
 * `sameOrigin`, the server's own origin (http:// + the Host asked for) is allowed too: a page it
 * served sends it on every POST.
 */
export function hostOriginGuard(
  opts: GuardOptions,
  { sameOrigin = false }: { sameOrigin?: boolean } = {},
): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    const allowedHosts = hostsFor(opts.host, opts.port);
    if (allowedHosts && (!host || !allowedHosts.has(host.toLowerCase())))
      throw new HTTPException(403, {
        message: `Host ${JSON.stringify(host ?? "")} is not this server`,
      });
    const origin = c.req.header("origin");
    const own = sameOrigin && host !== undefined && origin === `http://${host.toLowerCase()}`;
    if (origin !== undefined && !own && !opts.allowedOrigins.includes(origin))
      throw new HTTPException(403, { message: `Origin ${JSON.stringify(origin)} is not allowed` });
    await next();
  };
}

/** Host header values that name this server; undefined (any) when bound to all interfaces. */
export function hostsFor(host: string, port: number): Set<string> | undefined {
  if (host === "0.0.0.0" || host === "::") return undefined;
  const names = new Set([host]);
  if (host === "127.0.0.1" || host === "::1" || host === "localhost")
    for (const n of ["127.0.0.1", "localhost", "[::1]"]) names.add(n);
  const withPort = [...names].map((n) => (n.includes(":") && !n.startsWith("[") ? `[${n}]` : n));
  return new Set([...withPort, ...withPort.map((n) => `${n}:${port}`)].map((n) => n.toLowerCase()));
}
