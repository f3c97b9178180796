// Reads the code given to an interpreter (python -c, perl -e, node -e, awk '...') for what it does
// to the machine, as shell-equivalent actions the walk then judges like any command: strings
// handed to system/exec/subprocess/backticks (shell code), argument lists (a program run), tree
// deletes, file writes, chdir, kill, fork loops, and code executed from a decode or a download.
import type { Taint } from "../analysis.ts";
import { type Arg, readArgs, readBareArgs, skipGroup, stringLiterals } from "./literals.ts";
import { pathOf } from "./paths-in-code.ts";

export type Lang =
  | "python"
  | "perl"
  | "ruby"
  | "js"
  | "php"
  | "lua"
  | "r"
  | "julia"
  | "awk"
  | "elisp"
  | "tcl";

export type Action =
  | { kind: "shell"; code: string; call: string }
  /** A program run with these arguments; null: an argument built at run time. */
  | { kind: "argv"; argv: (string | null)[]; call: string }
  | { kind: "delete-tree" | "delete" | "write" | "chdir"; path: string; call: string }
  | { kind: "kill"; pid: string; signal: string; call: string }
  | { kind: "hidden"; taint?: Taint; call: string }
  | { kind: "fork-loop"; call: string };

type Effect =
  | "shell"
  | "spawn"
  | "exec-list"
  | "tree"
  | "maybe-tree"
  | "delete"
  | "write"
  | "open"
  | "chdir"
  | "kill"
  | "kill-signal-first"
  | "eval";

interface CallRule {
  langs?: Lang[];
  name: RegExp;
  effect: Effect;
  /** Also written without parentheses: `system "rm -rf /"` (Perl, Ruby). */
  bare?: boolean;
}

const CALLS: CallRule[] = [
  { langs: ["python"], name: /^(os\.|posix\.)?(system|popen)$/, effect: "shell" },
  {
    name: /\bsubprocess\.(run|call|check_call|check_output|Popen|getoutput|getstatusoutput)$/,
    effect: "shell",
  },
  {
    name: /\b(commands\.getoutput|pty\.spawn|asyncio\.create_subprocess_shell|create_subprocess_shell)$/,
    effect: "shell",
  },
  { name: /\b(os\.(exec|spawn)[lv]p?e?|create_subprocess_exec|pcntl_exec)$/, effect: "exec-list" },
  {
    langs: ["js"],
    name: /^(child_process\.|cp\.|childProcess\.)?(exec|execSync)$/,
    effect: "shell",
  },
  {
    langs: ["js"],
    name: /^(child_process\.|cp\.|childProcess\.)?(spawn|spawnSync|execFile|execFileSync)$/,
    effect: "spawn",
  },
  {
    langs: ["js"],
    name: /\b(Bun\.spawnSync|Bun\.spawn|Deno\.run|Deno\.Command|new Deno\.Command)$/,
    effect: "spawn",
  },
  { langs: ["perl", "ruby"], name: /(^|[^.\w])(system|exec|spawn)$/, effect: "shell", bare: true },
  {
    langs: ["ruby"],
    name: /\b(Kernel\.system|IO\.popen|Open3\.(capture2e?|capture3|popen[23]e?|pipeline\w*))$/,
    effect: "shell",
  },
  {
    langs: ["php"],
    name: /(^|[^>\w$])(system|exec|shell_exec|passthru|popen|proc_open)$/,
    effect: "shell",
  },
  { langs: ["lua"], name: /\b(os\.execute|io\.popen)$/, effect: "shell" },
  { langs: ["r"], name: /(^|[^.\w])(system|shell|system2)$/, effect: "spawn" },
  { langs: ["awk"], name: /(^|[^\w])system$/, effect: "shell" },
  { langs: ["elisp"], name: /(shell-command(-to-string)?|async-shell-command)$/, effect: "shell" },
  { langs: ["elisp"], name: /(call-process|start-process|process-lines)$/, effect: "spawn" },
  // Tree deletes and file writes.
  {
    name: /\b(shutil\.rmtree|rmtree|remove_tree|rimraf(\.sync)?|rm_rf|rm_r|FileUtils\.(rm_rf|rm_r|remove_dir|remove_entry(_secure)?|rmtree)|fse?\.(removeSync|remove|emptyDirSync|emptyDir)|delete-directory)$/,
    effect: "tree",
  },
  {
    name: /\b(fs\.|fsPromises\.|promises\.|Deno\.)?(rmSync|rmdirSync|rm|rmdir|remove|removeSync)$|\bunlink$/,
    effect: "maybe-tree",
  },
  {
    name: /\b(os\.(remove|unlink|removedirs)|unlinkSync|File\.(delete|unlink)|FileUtils\.rm_?f?|delete-file|os\.remove|file\.remove)$/,
    effect: "delete",
  },
  {
    name: /\b((fs\.|fsPromises\.)?(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|truncateSync)|Deno\.(writeFileSync|writeTextFileSync|writeFile|writeTextFile)|Bun\.write|file_put_contents|File\.write|IO\.write|write_text|write_bytes|writeLines)$/,
    effect: "write",
  },
  { name: /(^|[^.\w])(open|fopen|io\.open|File\.open|file|sysopen)$/, effect: "open" },
  { name: /\b(os\.chdir|process\.chdir|Dir\.chdir|chdir|Deno\.chdir|setwd)$/, effect: "chdir" },
  {
    langs: ["python", "js", "php"],
    name: /\b(os\.(kill|killpg)|process\.kill|posix_kill)$/,
    effect: "kill",
  },
  {
    langs: ["perl", "ruby"],
    name: /(^|[^\w])(kill|Process\.kill)$/,
    effect: "kill-signal-first",
    bare: true,
  },
  {
    name: /(^|[^.\w])(eval|exec|compile|assert|create_function|loadstring|load|dofile|instance_eval|class_eval|Function)$/,
    effect: "eval",
  },
];

/** A loop that never ends by itself: while True, while(1), for(;;), loop {}, fork while fork. */
const ENDLESS =
  /\bwhile\s*\(?\s*(true|True|1|!0|fork\b)|\bwhile\s+fork\b|\bfork\s+while\b|\bfor\s*\(\s*;\s*;\s*\)|\bloop\s*(\{|do\b)|\buntil\s+false\b/;

/** Text in code that decodes data, or fetches it from the network. */
const DECODES =
  /b64decode|base64|decodebytes|unhexlify|fromhex|\bpack\s*\(|atob\s*\(|Buffer\.from|codecs\.decode|rot_?13|decompress|\[::-1\]|\.reverse\(|unpack\s*\(|strrev|gzinflate|hex2bin|\bchr\b|\bord\b|fromCharCode/i;
const DOWNLOADS =
  /urlopen|urllib|requests\.|http\.client|httplib|\bfetch\s*\(|https?:\/\/|LWP|HTTP::Tiny|Net::HTTP|open-uri|URI\.open|socket|\bcurl\b|\bwget\b/i;

export function scanCode(code: string, lang: Lang): Action[] {
  const actions: Action[] = [];
  const source = lang === "python" ? importsResolved(code) : code;
  const aliases = lang === "python" ? pythonAliases(source) : undefined;
  // Perl and Ruby call any method without parentheses: `FileUtils.rm_r "/etc"`.
  const anyBare = lang === "perl" || lang === "ruby";
  for (const call of lang === "elisp" ? lispCalls(source) : calls(source)) {
    const { paren, args, at } = call;
    const name = aliases ? unalias(call.name, aliases) : call.name;
    for (const rule of CALLS) {
      if (
        (rule.langs && !rule.langs.includes(lang)) ||
        (!paren && !rule.bare && !anyBare) ||
        !rule.name.test(name)
      )
        continue;
      actions.push(...effectOf(rule.effect, args(), snippet(source, at, name), code, lang));
      break;
    }
  }
  actions.push(...shellLiterals(code, lang));
  // fork (or an asynchronous spawn) in a loop without end: processes without end.
  const spawn = /\b(fork|pcntl_fork|spawn|Popen|start_new_thread)\b/;
  if (spawn.test(code) && ENDLESS.test(code))
    actions.push({ kind: "fork-loop", call: snippet(code, code.search(spawn), "fork") });
  return actions;
}

interface Call {
  name: string;
  paren: boolean;
  args: () => Arg[];
  at: number;
}

/** name(args) and, for Perl and Ruby, name "args" without parentheses. */
function* calls(code: string): Generator<Call> {
  const bare = /([A-Za-z_$][\w$.:-]*)\s*(\(|(?=["'`]|q{1,2}[{([</|!]|%[qQwW][{([<]))/g;
  for (const m of code.matchAll(bare)) {
    const at = m.index ?? 0;
    const end = at + m[0].length;
    const paren = m[2] === "(";
    yield {
      name: m[1] as string,
      paren,
      at,
      args: () => (paren ? readArgs(code, end - 1) : readBareArgs(code, end)),
    };
  }
}

/** (name arg arg...) forms of Lisp: the arguments are the words and strings up to the closing paren. */
/** `__import__('os').system(...)` is `os.system(...)`. */
function importsResolved(code: string): string {
  return code.replace(/__import__\(\s*['"]([\w.]+)['"]\s*\)\s*\./g, "$1.");
}

/** Python import names: `import subprocess as s` (s → subprocess), `from os import system`. */
function pythonAliases(code: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of code.matchAll(/\bimport\s+([\w.]+)\s+as\s+(\w+)/g))
    out.set(m[2] as string, m[1] as string);
  for (const m of code.matchAll(/\bfrom\s+([\w.]+)\s+import\s+([\w\s,]+?)(?:$|[;\n)])/gm))
    for (const item of (m[2] as string).split(",")) {
      const [name, alias] = item.trim().split(/\s+as\s+/);
      if (name) out.set((alias ?? name).trim(), `${m[1]}.${name.trim()}`);
    }
  return out;
}

function unalias(name: string, aliases: Map<string, string>): string {
  const [head, ...rest] = name.split(".");
  const full = aliases.get(head ?? "");
  return full ? [full, ...rest].join(".") : name;
}

function* lispCalls(code: string): Generator<Call> {
  for (const m of code.matchAll(/\(\s*([A-Za-z][\w:*+/<>=-]*)/g)) {
    const at = m.index ?? 0;
    const open = at;
    yield {
      name: m[1] as string,
      paren: true,
      at,
      args: () => {
        const inner = code.slice(open + m[0].length, skipGroup(code, open) - 1);
        const words = inner.match(/"(?:[^"\\]|\\.)*"|\([^()]*\)|[^\s()]+/g) ?? [];
        return readArgs(`(${words.join(", ")})`, 0);
      },
    };
  }
}

function effectOf(effect: Effect, args: Arg[], call: string, code: string, lang: Lang): Action[] {
  const [first, second] = args;
  const path = (a: Arg | undefined) => (a ? pathOf(a) : undefined);
  switch (effect) {
    case "shell":
      // system "rm", "-rf", "/" (Perl, Ruby): several arguments are an argument list.
      if (
        (lang === "perl" || lang === "ruby") &&
        args.length > 1 &&
        args.every((a) => a.kind === "str")
      )
        return argv(args, call);
      if (first?.kind === "str") return [{ kind: "shell", code: first.value, call }];
      if (first?.kind === "list") return argv(first.items, call);
      return hidden(args, call, code);
    case "spawn": {
      const program = first?.kind === "str" ? [first.value] : [];
      const list = args.find((a) => a.kind === "list") ?? listInObject(args);
      if (first?.kind === "list") return argv(first.items, call);
      if (program.length > 0)
        return [
          {
            kind: "argv",
            argv: [...program, ...strings(list?.kind === "list" ? list.items : args.slice(1))],
            call,
          },
        ];
      return hidden(args, call, code);
    }
    case "exec-list": {
      const list = args.find((a) => a.kind === "list");
      return list?.kind === "list" ? argv(list.items, call) : argv(args.slice(1), call);
    }
    case "tree":
    case "delete":
    case "write":
    case "chdir": {
      const p = path(first);
      return p === undefined
        ? []
        : [{ kind: effect === "tree" ? "delete-tree" : effect, path: p, call }];
    }
    case "maybe-tree": {
      const p = path(first);
      if (p === undefined) return [];
      const recursive = args.some(
        (a) => a.kind === "expr" && /recursive\s*[:=]\s*(true|TRUE|T\b)/.test(a.text),
      );
      return [{ kind: recursive ? "delete-tree" : "delete", path: p, call }];
    }
    case "open":
      return openEffect(args, call, lang);
    case "kill":
    case "kill-signal-first": {
      const [pidArg, sigArg] = effect === "kill" ? [first, second] : [second, first];
      const pid = literal(pidArg);
      return pid === undefined
        ? []
        : [
            {
              kind: "kill",
              pid,
              signal: literal(sigArg)?.replace(/^-?(SIG)?/, "") || "TERM",
              call,
            },
          ];
    }
    case "eval":
      if (first?.kind === "str") return scanCode(first.value, lang);
      return first?.kind === "expr" && (DECODES.test(first.text) || DOWNLOADS.test(first.text))
        ? hidden(args, call, code)
        : [];
  }
}

/** open(PATH, "w") / open(FH, ">PATH") / open(FH, "cmd |"): a write, or shell code. */
function openEffect(args: Arg[], call: string, lang: Lang): Action[] {
  const strs = args.map(literal);
  if (lang === "perl") {
    const [, mode, target] = strs;
    if (mode && /^\s*\+?>/.test(mode)) {
      const p = target ?? mode.replace(/^\s*\+?>+\s*/, "");
      return p ? [{ kind: "write", path: p, call }] : [];
    }
    if (mode && /\|\s*$/.test(mode))
      return [{ kind: "shell", code: mode.replace(/\|\s*$/, ""), call }];
    if (mode === "-|" || mode === "|-")
      return [
        { kind: "argv", argv: strs.slice(2).filter((s): s is string => s !== undefined), call },
      ];
    return [];
  }
  const path = args[0] ? pathOf(args[0]) : undefined;
  const mode = strs[1] ?? "";
  return path !== undefined && /[wax+]/.test(mode) ? [{ kind: "write", path, call }] : [];
}

/** Backticks, qx{}, %x() (Perl, Ruby, PHP), julia run(`...`), awk pipes, tcl spawn/exec, osascript. */
function shellLiterals(code: string, lang: Lang): Action[] {
  const out: Action[] = [];
  const add = (re: RegExp, kind: "shell" | "argv") => {
    for (const m of code.matchAll(re)) {
      const text = m[1] as string;
      out.push(
        kind === "shell"
          ? { kind, code: text, call: m[0] }
          : { kind, argv: text.split(/\s+/).filter(Boolean), call: m[0] },
      );
    }
  };
  if (lang === "perl" || lang === "ruby" || lang === "php") add(/`([^`]*)`/g, "shell");
  if (lang === "perl") add(/\bqx\s*[{([/|!]([^})\]/|!]*)[})\]/|!]/g, "shell");
  if (lang === "ruby") add(/%x[({[]([^)}\]]*)[)}\]]/g, "shell");
  if (lang === "julia") add(/`([^`]*)`/g, "argv");
  if (lang === "awk") {
    add(/"((?:[^"\\]|\\.)*)"\s*\|\s*getline/g, "shell");
    add(/\|\s*"((?:[^"\\]|\\.)*)"/g, "shell");
    // print "CMD" | "sh": the printed text is the shell's script.
    add(
      /print[f]?\s*\(?\s*"((?:[^"\\]|\\.)*)"\s*\)?\s*\|\s*"(?:\/bin\/)?(?:ba|da|z|k)?sh"/g,
      "shell",
    );
  }
  if (lang === "tcl") add(/(?:^|[;\n[{]\s*)(?:spawn|exec)\s+([^;\n\]}]+)/g, "argv");
  if (lang === "tcl" || lang === "elisp") add(/do shell script\s+"((?:[^"\\]|\\.)*)"/g, "shell");
  return out;
}

/** An argument list: its program must be written out; other arguments may be built at run time. */
function argv(items: Arg[], call: string): Action[] {
  const words = items.map((a) => literal(a) ?? null);
  return words.length > 0 && words[0] !== null
    ? [{ kind: "argv", argv: words, call }]
    : hidden(items, call, "");
}

function strings(items: Arg[]): string[] {
  return items.map(literal).filter((s): s is string => s !== undefined);
}

function literal(a: Arg | undefined): string | undefined {
  if (a?.kind === "str") return a.value;
  if (a?.kind === "expr" && /^-?\d+$|^[A-Z]+$|^signal\.SIG\w+$|^:\w+$/.test(a.text))
    return a.text.replace(/^signal\./, "").replace(/^:/, "");
  return undefined;
}

/** Deno.Command("rm", { args: [...] }), Deno.run({ cmd: [...] }): the list inside the object. */
function listInObject(args: Arg[]): Arg | undefined {
  for (const a of args) {
    if (a.kind !== "expr") continue;
    const m = /\b(args|cmd)\s*:\s*(\[[\s\S]*\])/.exec(a.text);
    if (m) return readArgs(`(${m[2]})`, 0)[0];
  }
  return undefined;
}

/**
 * Code handed to a shell or an exec that is not written out: decoded or downloaded is refused;
 * otherwise every string literal of the code is checked as if it were the command.
 */
function hidden(args: Arg[], call: string, code: string): Action[] {
  const text = args.map((a) => (a.kind === "expr" ? a.text : "")).join(" ");
  if (DOWNLOADS.test(text)) return [{ kind: "hidden", taint: "downloaded", call }];
  if (DECODES.test(text)) return [{ kind: "hidden", taint: "decoded", call }];
  // Built at run time: refused as unresolved; its literal pieces are checked too, for the message.
  const pieces: Action[] = stringLiterals(code)
    .filter((s) => /\s|\//.test(s.trim()))
    .map((s) => ({ kind: "shell", code: s, call }));
  return [...pieces, { kind: "hidden", call }];
}

function snippet(code: string, at: number, name: string): string {
  const end = code.indexOf(")", at);
  const text = code.slice(at, end < 0 ? at + name.length : Math.min(end + 1, at + 80));
  return text.replace(/\s+/g, " ");
}
