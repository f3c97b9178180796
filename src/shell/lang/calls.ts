// The table of calls that matter in interpreter code: which name (per language) runs shell code,
// runs a program, deletes a tree, writes a file, changes directory, kills, or evaluates code; and
// the marks of endless loops, decoding and downloading. Data; scan.ts applies it.
/** The languages whose code is read. */
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

export type Effect =
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

export interface CallRule {
  langs?: Lang[];
  name: RegExp;
  effect: Effect;
  /** Also written without parentheses: `system "rm -rf /"` (Perl, Ruby). */
  bare?: boolean;
}

export const CALLS: CallRule[] = [
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
export const ENDLESS =
  /\bwhile\s*\(?\s*(true|True|1|!0|fork\b)|\bwhile\s+fork\b|\bfork\s+while\b|\bfor\s*\(\s*;\s*;\s*\)|\bloop\s*(\{|do\b)|\buntil\s+false\b/;

/** Text in code that decodes data, or fetches it from the network. */
export const DECODES =
  /b64decode|base64|decodebytes|unhexlify|fromhex|\bpack\s*\(|atob\s*\(|Buffer\.from|codecs\.decode|rot_?13|decompress|\[::-1\]|\.reverse\(|unpack\s*\(|strrev|gzinflate|hex2bin|\bchr\b|\bord\b|fromCharCode/i;
export const DOWNLOADS =
  /urlopen|urllib|requests\.|http\.client|httplib|\bfetch\s*\(|https?:\/\/|LWP|HTTP::Tiny|Net::HTTP|open-uri|URI\.open|socket|\bcurl\b|\bwget\b/i;
