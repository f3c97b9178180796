// Fail closed on what cannot be seen: a program whose name is not known before it runs, given a
// protected path, a disk or a login file; and code run from something not written out (eval of a
// file's unknown output, `… | head | sh`, python3 -c "$CODE") — unless it comes from a program
// known to print shell setup (ssh-agent -s, pyenv init, `kubectl completion bash`) or is a file
// read as is (`cat script.sh | sh` is as visible as `sh script.sh`).
import type { Analysis, DynamicCode, Invocation } from "../shell/analysis.ts";
import { isBlockDevice, isLoginFile, resolveOperand } from "./paths.ts";
import type { RuleContext } from "./targets.ts";
import type { Refusal } from "./types.ts";

/** Programs whose output is shell code meant to be eval'd or sourced. */
const TRUSTED_CODE: RegExp[] = [
  /^ssh-agent\b/,
  /^(gpg-agent|keychain|dbus-launch)\b/,
  /^dircolors\b/,
  /^(lesspipe|lesspipe\.sh|resize|locale)\b/,
  /^direnv (hook|export)\b/,
  /^(pyenv|rbenv|nodenv|goenv|jenv|plenv|phpenv|scalaenv) (init|virtualenv-init)\b/,
  /^brew shellenv\b/,
  /^opam (env|config env)\b/,
  /^(conda|mamba|micromamba) shell\.\w+ hook\b/,
  /^(starship|zoxide|atuin|mcfly|fnm|mise|rtx|navi|oh-my-posh|thefuck|luarocks) (init|env|activate|path|--alias)\b/,
  /^perl -Mlocal::lib\b/,
  /^register-python-argcomplete\b/,
  // `kubectl completion bash`, `gh completion -s bash`, `rustup completions bash`
  /^\S+( \S+)? completions? /,
  /^\S+ --?completions?\b/,
  // A file read as is: `cat script.sh | sh`, `sh < script.sh`, `eval "$(cat env.sh)"`.
  /^(cat|<) (?!\/dev\/|\/proc\/)[^\s;&|`$()<>]+$/,
];

/** The command that printed code, without the $( ) around it. */
function producer(origin: string): string {
  let o = origin.trim();
  while (o.startsWith("$(") && o.endsWith(")")) o = o.slice(2, -1).trim();
  return o;
}

export function trustedCode(origin: string | undefined): boolean {
  return origin !== undefined && TRUSTED_CODE.some((re) => re.test(producer(origin)));
}

export function hiddenCode(analysis: Analysis): Refusal | undefined {
  for (const code of analysis.dynamicCode) {
    const from = code.producer ? ` from ${code.producer}` : "";
    if (code.taint === "downloaded")
      return {
        rule: "remote-script",
        message: `${code.via} would run a downloaded script${from} without it being checked`,
      };
    if (code.taint === "decoded")
      return {
        rule: "decode-and-execute",
        message: `${code.via} would run decoded data${from} as code without it being checked`,
      };
  }
  const unseen = analysis.dynamicCode.find((c) => !trustedCode(c.origin));
  return unseen ? unresolvedCode(unseen) : undefined;
}

function unresolvedCode(code: DynamicCode): Refusal {
  return {
    rule: "unresolved",
    message: `${code.via} would run code from ${code.origin ?? "something not written out"}, which is not known before it runs, so it cannot be checked; write the commands out in the command line (or run a script file: sh FILE)`,
  };
}

/** `$(which rm) -rf /*`, `$RM -rf /usr`, `${!y} -rf /*`: an unknown program given a vital path. */
export function unknownProgram(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!inv.dynamicName) return undefined;
  const origin = inv.args[0]?.origin;
  for (let i = inv.argv[0] === "" ? 1 : 0; i < inv.argv.length; i++) {
    const text = inv.argv[i] as string;
    if (text === "" || text.startsWith("-")) continue;
    for (const path of resolveOperand(inv, text, ctx.links)) {
      const why = isBlockDevice(path)
        ? "a disk"
        : isLoginFile(path)
          ? "a login file"
          : (path.startsWith("/") || path.startsWith("~")) && !/^\/(tmp|dev\/null)(\/|$)/.test(path)
            ? ctx.table.reason(path)?.reason
            : undefined;
      if (why)
        return {
          rule: "unresolved",
          message: `the program of \`${inv.source}\` is not known before it runs${origin ? ` (it comes from ${origin})` : ""}, and it is given ${why}; write the program name out`,
        };
    }
  }
  return undefined;
}
