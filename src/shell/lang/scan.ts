// Reads the code given to an interpreter (python -c, perl -e, node -e, awk '...') for what it does
// to the machine, as shell-equivalent actions the walk then judges like any command: strings
// handed to system/exec/subprocess/backticks (shell code), argument lists (a program run), tree
// deletes, file writes, chdir, kill, fork loops, and code executed from a decode or a download.
import type { Taint } from "../analysis.ts";
import { calls, importsResolved, lispCalls, pythonAliases, unalias } from "./call-forms.ts";
import { CALLS, DECODES, DOWNLOADS, type Effect, ENDLESS, type Lang } from "./calls.ts";
import { type Arg, readArgs, stringLiterals } from "./literals.ts";
import { pathOf } from "./paths-in-code.ts";
import { commandTemplate } from "./template.ts";

export type { Lang };

export type Action =
  | { kind: "shell"; code: string; call: string }
  /** A program run with these arguments; null: an argument built at run time. */
  | { kind: "argv"; argv: (string | null)[]; call: string }
  | { kind: "delete-tree" | "delete" | "write" | "chdir"; path: string; call: string }
  | { kind: "kill"; pid: string; signal: string; call: string }
  | { kind: "hidden"; taint?: Taint; call: string }
  | { kind: "fork-loop"; call: string };

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
  // Literal pieces with values between: the command with each value as an unknown word.
  const first = args[0];
  const template = first?.kind === "expr" ? commandTemplate(first.text) : undefined;
  if (template !== undefined) return [{ kind: "shell", code: template, call }];
  // Nothing of it written out: refused as unresolved; its literals are checked too.
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
