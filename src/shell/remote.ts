// Programs that run shell code elsewhere or later: ssh HOST CMD (and pdsh, clush, pssh, ansible),
// GNU parallel, at/batch and crontab (code run later), tmux and screen sessions, capsh, sbatch.
// The code they are given is walked like any other; remote commands start in the home (`~`).
import type { Output, Value } from "./analysis.ts";
import { cronCommands } from "./cron.ts";
import { runParallel } from "./feeders.ts";
import type { Ctx, Runner } from "./runner.ts";
import { runShell, runStdin, runText, scriptFile } from "./shells.ts";

const HOME = ["~"];
/** What `crontab -l` prints: the table installed now. */
const CURRENT_TABLE = /^crontab (-u \S+ )?-l$/;

/** ssh short options that take a value. */
const SSH_VALUED = "BbcDEeFIiJLlmOopQRSWw";

export function runRemote(name: string, args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  switch (name) {
    case "ssh":
      remoteWords(sshCommand(args), "ssh", ctx, run);
      return undefined; // its output: another machine's data (outputs.ts)
    case "pdsh":
    case "clush":
    case "pssh":
    case "parallel-ssh":
      remoteWords(afterOptions(args, "wxlRtufgXhHpoeO"), name, ctx, run);
      return undefined;
    case "ansible":
      ansible(args, ctx, run);
      return undefined;
    case "parallel":
      return runParallel(args, ctx, run);
    case "at":
    case "batch":
      return atJob(name, args, ctx, run);
    case "crontab":
      return crontab(args, ctx, run);
    case "tmux":
      return tmux(args, ctx, run);
    case "screen":
      return screenStuff(args, ctx, run);
    case "capsh": {
      const dashdash = args.findIndex((a) => a.text === "--");
      return dashdash < 0 ? undefined : runShell("bash", args.slice(dashdash + 1), ctx, run);
    }
    case "sbatch": {
      const wrap = optionArg(args, "--wrap");
      return wrap ? runText("sbatch", [wrap], ctx, run) : undefined;
    }
    default:
      return undefined;
  }
}

/** The words of a remote command, joined as the remote shell sees them, walked in `~`. */
function remoteWords(words: Value[], via: string, ctx: Ctx, run: Runner): void {
  if (words.length === 0) return;
  const unknown = words.find((w) => w.dynamic);
  if (unknown) {
    run.dynamicCode(
      via,
      unknown.taint,
      undefined,
      unknown.origin ?? "a value not known before it runs",
    );
    return;
  }
  run.runCode(words.map((w) => w.text).join(" "), via, ctx, { dirs: HOME });
}

/** ssh [OPTIONS] DEST [OPTIONS] [--] CMD...: options may follow the destination (OpenSSH). */
function sshCommand(args: Value[]): Value[] {
  let dest = false;
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return dest ? args.slice(i + 1) : args.slice(i + 2);
    if (a.startsWith("-") && a.length > 1) {
      const letters = a.slice(1);
      for (let j = 0; j < letters.length; j++)
        if (SSH_VALUED.includes(letters[j] as string)) {
          if (j === letters.length - 1) i++;
          break;
        }
      continue;
    }
    if (dest) return args.slice(i);
    dest = true;
  }
  return [];
}

/** Operands after options; `valued` letters take a value. */
function afterOptions(args: Value[], valued: string): Value[] {
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "--") return args.slice(i + 1);
    if (!a.startsWith("-")) return args.slice(i);
    if (a.length === 2 && valued.includes(a[1] as string)) i++;
  }
  return [];
}

function optionArg(args: Value[], long: string): Value | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Value;
    if (a.text === long) return args[i + 1];
    if (a.text.startsWith(`${long}=`)) return { ...a, text: a.text.slice(long.length + 1) };
  }
  return undefined;
}

/** ansible PATTERN [-m shell|command|raw] -a ARGS: the module's arguments are a command. */
function ansible(args: Value[], ctx: Ctx, run: Runner): void {
  let module = "command";
  let command: Value | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "-m" || a === "--module-name") module = args[++i]?.text ?? module;
    else if (a.startsWith("--module-name=")) module = a.slice(14);
    else if (a === "-a" || a === "--args") command = args[++i];
    else if (a.startsWith("--args=")) command = { ...(args[i] as Value), text: a.slice(7) };
  }
  if (command && /(^|\.)(shell|command|raw)$/.test(module))
    remoteWords([command], "ansible", ctx, run);
}

/** at / batch read the job from stdin (or -f FILE) and run it later, in this directory. */
function atJob(name: string, args: Value[], ctx: Ctx, run: Runner): Output {
  if (args.some((a) => /^-[a-zA-Z]*[lrdc]/.test(a.text))) return {}; // list, remove, show
  const file = optionArg(args, "-f");
  if (file) return scriptFile(name, file, ctx, run);
  return runStdin(name, ctx, run);
}

/** crontab [-u USER] [FILE|-]: installs a table whose commands run later, in the home. */
function crontab(args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  const operands: Value[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "-u") i++;
    else if (/^-[a-zA-Z]*[lreT]/.test(a))
      return undefined; // list, remove (a rule), edit, test
    else if (!a.startsWith("-") || a === "-") operands.push(args[i] as Value);
  }
  const file = operands[0];
  if (file && file.text !== "-") {
    const written = run.fileContent(file.text);
    if (written?.text !== undefined) installCron(written.text, ctx, run);
    // `crontab -l > f; crontab f` re-installs what is installed already: no new code.
    else if (written && !(written.origin && CURRENT_TABLE.test(written.origin)))
      run.dynamicCode("crontab", written.taint, written.producer, written.origin);
    return {};
  }
  const input = ctx.stdin;
  if (input.text !== undefined) installCron(input.text, ctx, run);
  for (const fragment of input.fragments ?? []) installCron(fragment, ctx, run);
  if (input.taint) run.dynamicCode("crontab", input.taint, input.producer);
  else if (input.text === undefined)
    // `crontab -l` re-installs what is installed already: no new code.
    for (const origin of input.origins ?? [input.origin ?? "its input"])
      if (!/^crontab (-u \S+ )?-l$/.test(origin))
        run.dynamicCode("crontab", undefined, undefined, origin);
  return {};
}

function installCron(table: string, ctx: Ctx, run: Runner): void {
  for (const command of cronCommands(table)) run.runCode(command, "crontab", ctx, { dirs: HOME });
}

/** tmux new-session/new-window/split-window/run-shell/send-keys: the shell command they are given. */
function tmux(args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  let i = 0;
  for (; i < args.length; i++) {
    const a = (args[i] as Value).text;
    if (a === "-c") return runText("tmux", args.slice(i + 1, i + 2), ctx, run);
    if (!a.startsWith("-")) break;
    if (/^-[LSfT]$/.test(a)) i++;
  }
  const sub = args[i]?.text ?? "";
  const rest = args.slice(i + 1);
  const runs =
    /^(new|new-session|neww|new-window|splitw|split-window|run|run-shell|respawnp|respawn-pane|respawnw|respawn-window|popup|display-popup)$/;
  if (sub === "send" || sub === "send-keys") {
    const keys = afterOptions(rest, "tcN").filter((k) => !/^(Enter|C-m|KPEnter)$/.test(k.text));
    return runText("tmux send-keys", keys, ctx, run);
  }
  if (!runs.test(sub)) return undefined;
  const words = afterOptions(rest, "cefFnstxyl");
  return words.length > 0 ? runText("tmux", [{ ...joined(words) }], ctx, run) : {};
}

/** screen -X stuff 'TEXT\n' types TEXT into a session's shell; -X exec CMD runs CMD there. */
function screenStuff(args: Value[], ctx: Ctx, run: Runner): Output | undefined {
  const x = args.findIndex((a) => a.text === "-X");
  if (x < 0) return undefined;
  const verb = args[x + 1]?.text;
  const rest = args.slice(x + 2);
  if (verb === "stuff")
    return runText(
      "screen",
      rest.map((r) => ({ ...r, text: r.text.replace(/\\n|\^M|\\r/g, "\n") })),
      ctx,
      run,
    );
  if (verb === "exec")
    return run.runArgv(
      rest.filter((r) => !/^[.!:]+$/.test(r.text)),
      ctx,
      "screen",
    );
  return undefined;
}

function joined(words: Value[]): Value {
  return {
    text: words.map((w) => w.text).join(" "),
    dynamic: words.some((w) => w.dynamic),
    ...(words.find((w) => w.taint)?.taint ? { taint: words.find((w) => w.taint)?.taint } : {}),
  };
}
