// What `ssh -G` says about a node: the ssh config as ssh itself evaluates it (Host and Match blocks,
// includes, tokens), never parsed here by hand. Asked once per node per process.
import { ClusterError } from "../errors.ts";

/** `ssh -G` output: lower-case keywords, each with its values in order (identityfile repeats). */
export type SshConfigView = Map<string, string[]>;

export function parseSshG(text: string): SshConfigView {
  const view: SshConfigView = new Map();
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    const sp = t.indexOf(" ");
    const key = (sp < 0 ? t : t.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? "" : t.slice(sp + 1);
    const list = view.get(key);
    if (list) list.push(value);
    else view.set(key, [value]);
  }
  return view;
}

/** The first value of a keyword, or undefined. */
export function first(view: SshConfigView, key: string): string | undefined {
  return view.get(key)?.[0];
}

/** Runs `argv` (an `ssh ... -G HOST` line); NO_SSH when there is no ssh program. */
export async function readSshConfig(argv: string[], node: string): Promise<SshConfigView> {
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new ClusterError(
      "CONFIG_INVALID",
      `node ${node}: cannot run ${argv[0]} -G: ${(err as Error).message} (is OpenSSH's ssh installed?)`,
      { node, no_ssh: true },
    );
  }
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0)
    throw new ClusterError(
      "CONFIG_INVALID",
      `node ${node}: \`ssh -G\` failed (exit ${code}): ${err.trim() || "no message"}`,
      { node },
    );
  return parseSshG(out);
}
