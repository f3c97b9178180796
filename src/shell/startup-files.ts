// Files whose content runs later as shell: login and shell startup files, cron tables, systemd
// units. Writing to one (`echo CMD >> ~/.bashrc`) is running CMD later, so what is written is
// checked like code run now.
import type { Output } from "./analysis.ts";
import { cronCommands } from "./cron.ts";
import { resolveAll } from "./paths.ts";
import type { Ctx, Runner } from "./runner.ts";

const HOME_OR_ANY = "(~|/root|/home/[^/]+|/Users/[^/]+)";
const SHELL_STARTUP = new RegExp(
  String.raw`^(${HOME_OR_ANY}/\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|kshrc|mkshrc|ssh/rc|config/fish/config\.fish)|/etc/(profile|profile\.d/[^/]+|bash\.bashrc|bashrc|zshrc|zsh/[^/]+|rc\.local|ssh/sshrc|cron\.(hourly|daily|weekly|monthly)/[^/]+|init\.d/[^/]+))$`,
);
const USER_CRONTAB = /^\/var\/spool\/cron\/(crontabs\/)?[^/]+$/;
const SYSTEM_CRONTAB = /^\/etc\/(crontab|cron\.d\/[^/]+)$/;
const SYSTEMD_UNIT =
  /^(\/etc\/systemd\/|\/lib\/systemd\/|\/usr\/lib\/systemd\/|~\/\.config\/systemd\/).*\.(service|timer|socket|path)$/;

type Kind = "shell" | "cron" | "system-cron" | "unit";

function kindOf(path: string): Kind | undefined {
  if (SHELL_STARTUP.test(path)) return "shell";
  if (USER_CRONTAB.test(path)) return "cron";
  if (SYSTEM_CRONTAB.test(path)) return "system-cron";
  if (SYSTEMD_UNIT.test(path)) return "unit";
  return undefined;
}

/** Called for every write of OUT to TARGET: code written to a startup file is walked now. */
export function deferredWrite(target: string, out: Output, run: Runner, ctx: Ctx): void {
  if (target === "") return;
  const kind = resolveAll(target, run.directories())
    .map(kindOf)
    .find((k) => k !== undefined);
  if (!kind) return;
  const via = `${target} (run later)`;
  const texts = out.text !== undefined ? [out.text] : (out.fragments ?? []);
  for (const text of texts)
    for (const code of commandsIn(text, kind)) run.runCode(code, via, ctx, { dirs: ["~"] });
  if (out.text !== undefined) return;
  if (out.taint) run.dynamicCode(via, out.taint, out.producer);
  else
    for (const origin of out.origins ?? [
      out.origin ?? (out.file ? `cat ${out.file}` : "its input"),
    ])
      run.dynamicCode(via, undefined, undefined, origin);
}

function commandsIn(text: string, kind: Kind): string[] {
  switch (kind) {
    case "shell":
      return [text];
    case "cron":
      return cronCommands(text);
    case "system-cron":
      return cronCommands(text, true);
    case "unit":
      return text
        .split("\n")
        .map((l) => /^\s*Exec[A-Za-z]*\s*=\s*[-@:+!]*(.*)$/.exec(l)?.[1]?.trim() ?? "")
        .filter(Boolean);
  }
}
