// Programs that run other code (shells, eval, source, xargs, find -exec, watch, su -c, flock,
// trap, alias, interpreters, remote shells, schedulers, tools with shell escapes) or change what
// later words mean (cd, read, set --): each is followed into what it runs.
import type { Output, Value } from "./analysis.ts";
import { optionValue, runBuiltin, skipOptions } from "./builtins.ts";
import { runEmbedded } from "./embedded.ts";
import { runFind, runXargs } from "./feeders.ts";
import { runInterpreter } from "./lang/interpreters.ts";
import { ShellSyntaxError } from "./parse.ts";
import { runRemote } from "./remote.ts";
import type { Ctx, Runner } from "./runner.ts";
import { runShell, runSource, runText, SHELLS } from "./shells.ts";

export { SHELLS };

const NOTHING: Output = { text: "" };

/** undefined: an ordinary program (or one whose output is the usual), nothing more to follow. */
export function runProgram(name: string, argv: Value[], ctx: Ctx, run: Runner): Output | undefined {
  const args = argv.slice(1);
  if (SHELLS.has(name)) return runShell(name, args, ctx, run);
  switch (name) {
    case "eval":
      return runText("eval", args, ctx, run);
    case "source":
    case ".":
      return runSource(name, args, ctx, run);
    case "xargs":
      return runXargs(args, ctx, run);
    case "find":
      return runFind(args, ctx, run);
    case "watch": {
      const rest = skipOptions(args, "ng", ["--interval", "--differences"]);
      const exec = args.some((a) => a.text === "-x" || a.text === "--exec");
      return exec ? run.runArgv(rest, ctx, "watch") : runText("watch", rest, ctx, run);
    }
    case "trap": {
      // trap ACTION SIGNAL...: the action runs later, on the signal or at exit.
      const rest = args[0]?.text === "--" ? args.slice(1) : args;
      const action = rest[0];
      if (!action || rest.length < 2 || action.text.startsWith("-")) return NOTHING;
      return runText("trap", [action], ctx, run);
    }
    case "alias":
      for (const a of args) {
        const eq = a.text.indexOf("=");
        if (eq <= 0) continue;
        const body = { ...a, text: a.text.slice(eq + 1) };
        aliasBody(body, ctx, run);
        run.defineAlias(a.text.slice(0, eq), body);
      }
      return NOTHING;
    case "su":
    case "runuser":
    case "script":
    case "flock": {
      const code = optionValue(args, "c", "--command");
      if (code) return runText(name, [code], ctx, run);
      if (name !== "flock") return {};
      return run.runArgv(
        skipOptions(args, "wEc", ["--timeout", "--conflict-exit-code"]).slice(1),
        ctx,
        name,
      );
    }
  }
  return (
    runBuiltin(name, args, ctx, run) ??
    runInterpreter(name, args, ctx, run) ??
    runRemote(name, args, ctx, run) ??
    runEmbedded(name, args, ctx, run)
  );
}

/** An alias body is checked where it is defined, and again with its arguments where it is used. */
function aliasBody(body: Value, ctx: Ctx, run: Runner): void {
  try {
    runText("alias", [body], ctx, run);
  } catch (err) {
    // A fragment (alias x='if') is no command on its own; it cannot run by itself either.
    if (!(err instanceof ShellSyntaxError)) throw err;
  }
}
