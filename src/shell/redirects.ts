// Redirections: their resolved targets, and what a here-doc, here-string or < gives as input on
// stdin or another descriptor (`bash /dev/fd/3 3<<< CODE`).
import type { Output, ResolvedRedirect } from "./analysis.ts";
import { type ExpandEnv, expandText } from "./expand.ts";
import type { Redirect } from "./shell-ast.ts";

const INPUT = new Set(["<", "<<", "<<-", "<<<", "<>"]);
/** A network connection opened by the shell itself (bash's /dev/tcp/HOST/PORT). */
export const NETWORK_PATH = /^\/dev\/(tcp|udp)\//;

export function resolveRedirects(list: Redirect[], env: ExpandEnv): ResolvedRedirect[] {
  return list.flatMap((r) => {
    if (r.heredoc) expandText(r.heredoc, env); // runs the $(...) inside the body
    const base = r.fd ? { op: r.op, fd: r.fd } : { op: r.op };
    return expandText(r.target, env).map((v) => ({ ...base, target: v.text, dynamic: v.dynamic }));
  });
}

type FileContent = (path: string) => Output | undefined;

/** What descriptor FD reads, when a redirect of this statement sets it; undefined otherwise. */
function inputOn(
  fd: string,
  list: Redirect[],
  env: ExpandEnv,
  fileContent?: FileContent,
): Output | undefined {
  const input = [...list]
    .reverse()
    .find(
      (r) =>
        (INPUT.has(r.op) || (r.op === "<&" && /^\d+$/.test(r.target.source))) &&
        (r.fd ?? "0") === fd &&
        (r.op !== "<>" || fd !== "0"),
    );
  if (!input) return undefined;
  const value = expandText(input.heredoc ?? input.target, env)[0];
  if (!value) return {};
  // <&5: what descriptor 5 reads.
  if (input.op === "<&")
    return fileContent?.(`/dev/fd/${value.text}`) ?? { origin: `descriptor ${value.text}` };
  if (input.op === "<" || input.op === "<>") {
    if (value.content !== undefined) return { text: value.content };
    if (NETWORK_PATH.test(value.text)) return { taint: "downloaded", producer: value.text };
    // sh < f, where f was written earlier in the line.
    const written = fileContent?.(value.text);
    if (written) return written;
    if (value.taint) return { taint: value.taint, producer: "<(...)" };
    if (value.dynamic) return { origin: value.origin ?? `< ${input.target.source}` };
    return { file: value.text, origin: `< ${value.text}` };
  }
  if (value.dynamic)
    return value.taint
      ? { taint: value.taint, producer: "$(...)" }
      : { origin: value.origin ?? input.target.source };
  return { text: input.op === "<<<" ? `${value.text}\n` : value.text };
}

/** undefined when stdin is not redirected. */
export function redirectedStdin(
  list: Redirect[],
  env: ExpandEnv,
  fileContent?: FileContent,
): Output | undefined {
  return inputOn("0", list, env, fileContent);
}

/** Descriptors other than stdin given input by this statement's redirects. */
export function redirectedFds(
  list: Redirect[],
  env: ExpandEnv,
  fileContent?: FileContent,
): Record<string, Output> | undefined {
  let out: Record<string, Output> | undefined;
  for (const r of list) {
    if (!r.fd || r.fd === "0" || !INPUT.has(r.op)) continue;
    const content = inputOn(r.fd, list, env, fileContent);
    if (content) out = { ...out, [r.fd]: content };
  }
  return out;
}
