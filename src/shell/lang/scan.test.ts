import { describe, expect, test } from "bun:test";
import { type Action, scanCode } from "./scan.ts";

const kinds = (actions: Action[]) =>
  actions.map((a) =>
    a.kind === "shell"
      ? `shell ${a.code}`
      : a.kind === "argv"
        ? `argv ${a.argv.map((x) => x ?? "?").join(" ")}`
        : a.kind === "kill"
          ? `kill ${a.signal} ${a.pid}`
          : a.kind === "hidden" || a.kind === "fork-loop"
            ? `${a.kind}${a.kind === "hidden" && a.taint ? ` ${a.taint}` : ""}`
            : `${a.kind} ${a.path}`,
  );

describe("what interpreter code does, as shell-equivalent actions", () => {
  test("python: system, subprocess (string or list), exec family, imports and aliases", () => {
    expect(kinds(scanCode("import os; os.system('make -j2')", "python"))).toEqual([
      "shell make -j2",
    ]);
    expect(
      kinds(scanCode("import subprocess as s; s.run(['git', 'log', branch])", "python")),
    ).toEqual(["argv git log ?"]);
    expect(
      kinds(scanCode("from subprocess import call; call('ls -l', shell=True)", "python")),
    ).toEqual(["shell ls -l"]);
    expect(kinds(scanCode("__import__('os').system('id')", "python"))).toEqual(["shell id"]);
    expect(kinds(scanCode("import os; os.execvp('rm', ['rm', '-rf', 'x'])", "python"))).toEqual([
      "argv rm -rf x",
    ]);
  });

  test("tree deletes, writes, chdir and kill name their paths, the home included", () => {
    expect(
      kinds(scanCode("import shutil, pathlib; shutil.rmtree(pathlib.Path.home())", "python")),
    ).toEqual(["delete-tree ~"]);
    expect(kinds(scanCode("shutil.rmtree(os.path.join('/', 'usr'))", "python"))).toEqual([
      "delete-tree /usr",
    ]);
    expect(kinds(scanCode("open('/etc/passwd', 'w')", "python"))).toEqual(["write /etc/passwd"]);
    expect(kinds(scanCode("print(open('package.json').read())", "python"))).toEqual([]);
    expect(
      kinds(scanCode("fs.rmSync('dist', {recursive: true}); fs.rmSync('a.txt')", "js")),
    ).toEqual(["delete-tree dist", "delete a.txt"]);
    expect(
      kinds(scanCode("process.chdir('/'); require('fs').writeFileSync('/etc/shadow', '')", "js")),
    ).toEqual(["chdir /", "write /etc/shadow"]);
    expect(kinds(scanCode("import os; os.kill(-1, 9)", "python"))).toEqual(["kill 9 -1"]);
  });

  test("perl and ruby: calls without parentheses, lists, backticks, q{}", () => {
    expect(kinds(scanCode('system "rm", "-rf", "/tmp/x"', "perl"))).toEqual(["argv rm -rf /tmp/x"]);
    expect(kinds(scanCode("system qq{make install}", "perl"))).toEqual(["shell make install"]);
    expect(kinds(scanCode("`uname -a`", "ruby"))).toEqual(["shell uname -a"]);
    expect(kinds(scanCode('FileUtils.rm_r "/etc"', "ruby"))).toEqual(["delete-tree /etc"]);
  });

  test('awk, elisp, tcl: system(), print | "sh", (delete-directory ...), spawn', () => {
    expect(kinds(scanCode('BEGIN { system("date " "+%s") }', "awk"))).toEqual(["shell date +%s"]);
    expect(kinds(scanCode('BEGIN { print "ls" | "sh" }', "awk"))).toContain("shell ls");
    expect(kinds(scanCode('(delete-directory "/usr" t)', "elisp"))).toEqual(["delete-tree /usr"]);
    expect(kinds(scanCode("spawn ssh host; expect eof", "tcl"))).toEqual(["argv ssh host"]);
  });

  test("code from a decode or a download is hidden and tainted; built at run time, hidden", () => {
    expect(kinds(scanCode("os.system(base64.b64decode('bHM=').decode())", "python"))).toEqual([
      "hidden decoded",
    ]);
    expect(kinds(scanCode("exec(urlopen('https://x').read())", "python"))).toEqual([
      "hidden downloaded",
    ]);
    // Written out in part: the command with each computed value as an unknown word.
    expect(kinds(scanCode("d = '/usr'; os.system('rm -rf ' + d)", "python"))).toEqual([
      'shell rm -rf "$RUNTIME_VALUE"',
    ]);
    expect(kinds(scanCode('BEGIN { system("mkdir -p " $1 "/out") }', "awk"))).toEqual([
      'shell mkdir -p "$RUNTIME_VALUE"/out',
    ]);
    expect(
      kinds(scanCode('subprocess.run(f"git checkout {branch}", shell=True)', "python")),
    ).toEqual(['shell git checkout "$RUNTIME_VALUE"']);
    // Nothing written out: its literals are checked, then it is refused as unresolved.
    expect(kinds(scanCode("cmd = 'ls -l'; os.system(cmd)", "python"))).toEqual([
      "shell ls -l",
      "hidden",
    ]);
    expect(kinds(scanCode("print(eval('1+1'))", "python"))).toEqual([]);
  });

  test("forking in a loop without end is found; a bounded loop is not", () => {
    expect(kinds(scanCode("import os\nwhile True: os.fork()", "python"))).toEqual(["fork-loop"]);
    expect(kinds(scanCode("fork while fork", "perl"))).toEqual(["fork-loop"]);
    expect(kinds(scanCode("for f in files: subprocess.Popen(['gzip', f])", "python"))).toEqual([
      "argv gzip ?",
    ]);
  });
});
