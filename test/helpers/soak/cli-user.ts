// The soak's shell-loop user: the CLI's `run --json` and `submit` + `wait`, one after another,
// each a fresh process in the controller namespace (as a script calling cluster-exec would).
import { body, type Gen, marked, pick, randomBody } from "./commands.ts";
import type { CallRecord, DriverArgs } from "./types.ts";

const SLACK_MS = 5000;

async function cli(a: DriverArgs, args: string[]) {
  const proc = Bun.spawn([process.execPath, a.cliPath, "--config", a.configPath, ...args], {
    env: a.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/** The error code a `--json` result or status carries, if any. */
function jsonCode(stdout: string): string | undefined {
  try {
    const j = JSON.parse(stdout) as { error?: { code?: string }; state?: string };
    return j.error?.code ?? (j.state && j.state !== "succeeded" ? `state:${j.state}` : undefined);
  } catch {
    return undefined;
  }
}

export async function cliLoop(
  a: DriverArgs,
  g: Gen,
  emit: (r: CallRecord) => void,
  stop: () => boolean,
): Promise<void> {
  let seq = 0;
  const timed = async (tool: string, boundS: number, args: string[], id: string, kind: string) => {
    const at = Date.now();
    const t0 = performance.now();
    const r = await cli(a, args);
    const code = jsonCode(r.stdout) ?? (r.code === 0 ? undefined : `exit:${r.code}`);
    emit({
      type: "call",
      client: "cli",
      tool,
      at,
      ms: Math.round(performance.now() - t0),
      boundMs: boundS * 1000 + SLACK_MS,
      id,
      kind,
      outcome: r.code === 0 ? "ok" : "error",
      ...(code ? { code } : {}),
      ...(r.code !== 0 && !r.stdout ? { message: r.stderr.slice(0, 200) } : {}),
    });
    return r;
  };
  while (!stop()) {
    const id = `${a.tag}-cli-${++seq}`;
    const kind = randomBody();
    const b = body(g, kind);
    const command = marked(g, id, b.text);
    if (Math.random() < 0.5) {
      await timed(
        "cli run",
        b.timeoutS,
        ["run", "--json", "--timeout", String(b.timeoutS), "--", command],
        id,
        kind,
      );
    } else {
      const node = Math.random() < 0.5 ? ["--node", pick(a.nodes)] : [];
      const sub = await timed(
        "cli submit",
        20,
        ["submit", ...node, "--timeout", String(b.timeoutS), "--", command],
        id,
        kind,
      );
      const taskId = sub.stdout.trim();
      if (sub.code === 0 && taskId)
        await timed("cli wait", 30, ["wait", taskId, "--json", "--timeout", "30"], id, kind);
    }
    await Bun.sleep(200 + Math.random() * 300);
  }
}
