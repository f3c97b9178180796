// Tools with a way to run shell commands or write files from their own arguments or input: git -c
// (aliases with !, pager, editor), tar (--checkpoint-action=exec=, --to-command), vim/ex (-c '!cmd'),
// ed (!cmd), gdb (shell), sqlite3 (.shell), psql (\!, PROGRAM), mysql (system), make (recipes of a
// makefile given in the line), sed (e, w), zip -TT, rsync -e, ssh -o ProxyCommand.
import type { Output, Value } from "./analysis.ts";
import { apply } from "./lang/interpreters.ts";
import { scanCode } from "./lang/scan.ts";
import { ShellSyntaxError } from "./parse.ts";
import type { Ctx, Runner } from "./runner.ts";
import { descriptorOf } from "./shells.ts";

/** git config keys whose value is a command line. */
const GIT_COMMANDS =
  /^(core\.(pager|editor|sshcommand|fsmonitor|hookspath|askpass)|sequence\.editor|diff\.external|gpg\.(\w+\.)?program|pager\.\w+|credential\.helper|difftool\.\w+\.cmd|mergetool\.\w+\.cmd|filter\.\w+\.(clean|smudge|process)|diff\.\w+\.textconv)$/i;

const EMBEDDING = new Set([
  "git",
  "tar",
  "gtar",
  "bsdtar",
  "vim",
  "vi",
  "nvim",
  "ex",
  "view",
  "gvim",
  "rvim",
  "ed",
  "red",
  "gdb",
  "sqlite3",
  "psql",
  "mysql",
  "mariadb",
  "make",
  "gmake",
  "sed",
  "gsed",
  "zip",
  "rsync",
  "ssh",
  "scp",
  "sftp",
]);

export function runEmbedded(
  name: string,
  args: Value[],
  ctx: Ctx,
  run: Runner,
): Output | undefined {
  if (!EMBEDDING.has(name)) return undefined;
  const texts = args.map((a) => a.text);
  const shell = (code: string | undefined, via: string) =>
    code !== undefined && runShell(code, via, ctx, run);
  switch (name) {
    case "git":
      git(args, ctx, run);
      return undefined;
    case "tar":
    case "gtar":
    case "bsdtar":
      for (const [k, t] of texts.entries()) {
        const m =
          /^--(checkpoint-action=exec|to-command|use-compress-program|info-script|new-volume-script|rsh-command)=(.*)$/s.exec(
            t,
          );
        if (m) shell(m[2], `tar --${m[1]}`);
        if (/^-(I|F)$/.test(t) || /^--(to-command|use-compress-program|info-script)$/.test(t))
          shell(texts[k + 1], `tar ${t}`);
      }
      return undefined;
    case "vim":
    case "vi":
    case "nvim":
    case "ex":
    case "view":
    case "gvim":
    case "rvim":
      for (const [k, t] of texts.entries()) {
        const cmd =
          t === "-c" || t === "--cmd" ? texts[k + 1] : t.startsWith("+") ? t.slice(1) : undefined;
        if (cmd !== undefined) exCommands(cmd, name, ctx, run);
      }
      if (ctx.stdin.text !== undefined && texts.some((t) => /^-[a-zA-Z]*[es]/.test(t)))
        exCommands(ctx.stdin.text, name, ctx, run);
      return undefined;
    case "ed":
    case "red":
      if (ctx.stdin.text !== undefined)
        for (const line of ctx.stdin.text.split("\n"))
          if (line.startsWith("!")) shell(line.slice(1), "ed !");
      return undefined;
    case "gdb":
      for (const [k, t] of texts.entries()) {
        const cmd = /^-{1,2}(ex|iex|eval-command|init-eval-command)$/.test(t)
          ? texts[k + 1]
          : /^--(eval-command|init-eval-command)=/.test(t)
            ? t.slice(t.indexOf("=") + 1)
            : undefined;
        const m = cmd !== undefined ? /^\s*(?:shell\s+|!)([\s\S]*)$/.exec(cmd) : null;
        if (m) shell(m[1], "gdb shell");
        const py = cmd !== undefined ? /^\s*(?:python|pi)\s+([\s\S]*)$/.exec(cmd) : null;
        if (py) apply(scanCode(py[1] as string, "python"), "gdb python", ctx, run);
      }
      return undefined;
    case "sqlite3":
      for (const line of [
        ...texts.filter((t) => !t.startsWith("-") || t === "-cmd").flatMap((t) => t.split("\n")),
        ...stdinLines(ctx),
      ]) {
        const m = /^\s*\.(shell|system)\s+([\s\S]*)$/.exec(line);
        if (m) shell(m[2], `sqlite3 .${m[1]}`);
      }
      return undefined;
    case "psql":
    case "mysql":
    case "mariadb":
      for (const line of [...texts.flatMap((t) => t.split("\n")), ...stdinLines(ctx)]) {
        const m =
          /^\s*(?:\\!|system\s)\s*([\s\S]*)$/.exec(line) ??
          /^\s*\\[og]\s*\|\s*([\s\S]*)$/.exec(line) ??
          /\bPROGRAM\s+'((?:[^']|'')*)'/i.exec(line);
        if (m) shell(m[1]?.replace(/''/g, "'"), `${name} shell escape`);
      }
      return undefined;
    case "make":
    case "gmake":
      makefile(args, ctx, run);
      return undefined;
    case "sed":
    case "gsed":
      sedScript(args, ctx, run);
      return undefined;
    case "zip":
      for (const [k, t] of texts.entries())
        if (t === "-TT" || t === "--unzip-command") shell(texts[k + 1], "zip -TT");
      return undefined;
    case "rsync":
      for (const [k, t] of texts.entries()) {
        if (t === "-e" || t === "--rsh") shell(texts[k + 1], "rsync -e");
        if (t.startsWith("--rsh=")) shell(t.slice(6), "rsync --rsh");
      }
      return undefined;
    case "ssh":
    case "scp":
    case "sftp":
      for (const [k, t] of texts.entries()) {
        const opt = t === "-o" ? texts[k + 1] : t.startsWith("-o") ? t.slice(2) : undefined;
        const m = opt
          ? /^(ProxyCommand|LocalCommand|KnownHostsCommand|RemoteCommand)\s*[= ]\s*([\s\S]+)$/i.exec(
              opt,
            )
          : null;
        if (m) shell(m[2], `${name} -o ${m[1]}`);
      }
      return undefined;
    default:
      return undefined;
  }
}

function runShell(code: string, via: string, ctx: Ctx, run: Runner): void {
  try {
    run.runCode(code, via, ctx, { subshell: true });
  } catch (err) {
    // Not shell the way we read it: the tool would hand it to sh, which would reject it too.
    if (!(err instanceof ShellSyntaxError)) throw err;
  }
}

function stdinLines(ctx: Ctx): string[] {
  return ctx.stdin.text?.split("\n") ?? [];
}

/** git -c alias.x='!cmd' / core.pager=cmd..., and git config KEY VALUE that sets them for later. */
function git(args: Value[], ctx: Ctx, run: Runner): void {
  const texts = args.map((a) => a.text);
  const settings: [string, string][] = [];
  let i = 0;
  for (; i < texts.length; i++) {
    const t = texts[i] as string;
    if (t === "-c" && texts[i + 1]) settings.push(split(texts[++i] as string));
    else if (t === "-C" || t === "--git-dir" || t === "--work-tree" || t === "--namespace") i++;
    else if (!t.startsWith("-")) break;
  }
  if (texts[i] === "config") {
    const rest = texts.slice(i + 1).filter((t) => !t.startsWith("-"));
    if (rest.length >= 2) settings.push([rest[0] as string, rest.slice(1).join(" ")]);
  }
  for (const [key, value] of settings) {
    if (/^alias\./i.test(key) && value.startsWith("!"))
      runShell(value.slice(1), `git ${key}`, ctx, run);
    else if (GIT_COMMANDS.test(key) && value.replace(/^!/, "").trim())
      runShell(value.replace(/^!/, ""), `git ${key}`, ctx, run);
  }
}

function split(setting: string): [string, string] {
  const eq = setting.indexOf("=");
  return eq < 0 ? [setting, "true"] : [setting.slice(0, eq), setting.slice(eq + 1)];
}

/** Ex commands (vim -c, ex scripts): `!cmd`, `r !cmd`, `w !cmd`, `%!cmd`, `call system('cmd')`. */
function exCommands(text: string, via: string, ctx: Ctx, run: Runner): void {
  for (const cmd of text.split(/\n|\|/)) {
    const bang =
      /^\s*:?\s*(?:silent!?\s+|exe(?:cute)?\s+["'])?(?:[%.$,\d]*|r(?:ead)?\s*|w(?:rite)?\s*)!([\s\S]*?)["']?\s*$/.exec(
        cmd,
      );
    if (bang) runShell(bang[1] as string, `${via} !`, ctx, run);
    const system = /\bsystem\(\s*(['"])((?:(?!\1).)*)\1/.exec(cmd);
    if (system) runShell(system[2] as string, `${via} system()`, ctx, run);
  }
}

/** make -f FILE|-|/dev/stdin, --eval TEXT: recipes of a makefile given in the line are shell. */
function makefile(args: Value[], ctx: Ctx, run: Runner): void {
  const texts = args.map((a) => a.text);
  const bodies: (string | undefined)[] = [];
  for (const [k, t] of texts.entries()) {
    if (t === "--eval" || t === "-E") bodies.push(texts[k + 1]);
    else if (t.startsWith("--eval=")) bodies.push(t.slice(7));
    const file = t === "-f" || t === "--file" || t === "--makefile" ? args[k + 1] : undefined;
    if (!file) continue;
    if (file.content !== undefined) bodies.push(file.content);
    else if (file.text === "-" || descriptorOf(file.text) === "0") bodies.push(ctx.stdin.text);
    else if (descriptorOf(file.text))
      bodies.push(run.descriptor(descriptorOf(file.text) as string, ctx)?.text);
    else bodies.push(run.fileContent(file.text)?.text);
  }
  for (const body of bodies)
    for (const line of body?.split("\n") ?? [])
      if (line.startsWith("\t"))
        runShell(
          line
            .slice(1)
            .replace(/^[@+-]+/, "")
            .replace(/\$\$/g, "$"),
          "make recipe",
          ctx,
          run,
        );
}

/** sed scripts: `e CMD` and s///e run shell; `w FILE` and s///w FILE write files. */
function sedScript(args: Value[], ctx: Ctx, run: Runner): void {
  const texts = args.map((a) => a.text);
  const scripts: string[] = [];
  let expression = false;
  for (const [k, t] of texts.entries()) {
    if (t === "-e" || t === "--expression") {
      expression = true;
      if (texts[k + 1] !== undefined) scripts.push(texts[k + 1] as string);
    } else if (t.startsWith("--expression=")) scripts.push(t.slice(13));
  }
  if (!expression) {
    const first = texts.find(
      (t, k) => !t.startsWith("-") && !/^-[a-zA-Z]*[fl]$/.test(texts[k - 1] ?? ""),
    );
    if (first !== undefined) scripts.push(first);
  }
  for (const script of scripts)
    for (const cmd of script.split(/\n|;/)) {
      const e = /^\s*[\d,$/^\\.!]*\s*e\s+(.+)$/.exec(cmd);
      if (e) runShell(e[1] as string, "sed e", ctx, run);
      const s =
        /^\s*[\d,$]*\s*s(.)((?:\\.|(?!\1).)*)\1((?:\\.|(?!\1).)*)\1([gpiImMe\d]*)(w\s+(.+))?$/.exec(
          cmd,
        );
      if (s?.[4]?.includes("e") && !/\\\d|&/.test(s[3] as string))
        runShell((s[3] as string).replace(/\\(.)/g, "$1"), "sed s///e", ctx, run);
      const w = s?.[6] ?? /^\s*[\d,$/^\\.!]*\s*[wW]\s+(\S.*)$/.exec(cmd)?.[1];
      if (w)
        run.runArgv(
          [
            { text: "tee", dynamic: false },
            { text: w.trim(), dynamic: false },
          ],
          { ...ctx, stdin: {} },
          "sed",
          `sed w ${w.trim()}`,
        );
    }
}
