// Redirections: their resolved targets, and what a here-doc, here-string or < gives as stdin.
import type { Output, ResolvedRedirect } from "./analysis.ts";
import { type ExpandEnv, expandText } from "./expand.ts";
import type { Redirect } from "./shell-ast.ts";

export function resolveRedirects(list: Redirect[], env: ExpandEnv): ResolvedRedirect[] {
  return list.flatMap((r) => {
    if (r.heredoc) expandText(r.heredoc, env); // runs the $(...) inside the body
    const base = r.fd ? { op: r.op, fd: r.fd } : { op: r.op };
    return expandText(r.target, env).map((v) => ({ ...base, target: v.text, dynamic: v.dynamic }));
  });
}

/** undefined when stdin is not redirected. */
export function redirectedStdin(
  list: Redirect[],
  env: ExpandEnv,
  fileTaint?: (path: string) => Output | undefined,
): Output | undefined {
  const input = [...list]
    .reverse()
    .find((r) => r.op === "<" || r.op === "<<" || r.op === "<<-" || r.op === "<<<");
  if (!input) return undefined;
  const value = expandText(input.heredoc ?? input.target, env)[0];
  if (!value) return {};
  if (input.op === "<") {
    if (value.content !== undefined) return { text: value.content };
    // sh < f, where f was downloaded or decoded earlier in the line.
    const written = fileTaint?.(value.text);
    if (written?.taint) return { taint: written.taint, producer: written.producer ?? value.text };
    return value.taint ? { taint: value.taint, producer: "<(...)" } : {};
  }
  if (value.dynamic) return value.taint ? { taint: value.taint, producer: "$(...)" } : {};
  return { text: input.op === "<<<" ? `${value.text}\n` : value.text };
}
