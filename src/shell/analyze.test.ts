// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not templates
import { describe, expect, test } from "bun:test";
import { TooComplexError } from "./analysis.ts";
import { analyzeCommand } from "./analyze.ts";
import { ShellSyntaxError } from "./parse.ts";

/** The argv of every program run, in order. */
const argvs = (command: string) => analyzeCommand(command).invocations.map((i) => i.argv.join(" "));
const names = (command: string) => analyzeCommand(command).invocations.map((i) => i.name);

describe("structure: every simple command is found", () => {
  test("pipelines, lists, groups, subshells, substitutions", () => {
    expect(names("a | b |& c && d || e; f & g")).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
    expect(names("(a; b) && { c; }")).toEqual(["a", "b", "c"]);
    expect(names('echo $(a) `b` "$(c)" <(d) >(e)')).toEqual(["a", "b", "c", "d", "e", "echo"]);
    expect(names("if a; then b; elif c; then d; else e; fi")).toEqual(["a", "b", "c", "d", "e"]);
    expect(names("case $x in y) a;; *) b;; esac")).toEqual(["a", "b"]);
    expect(names("[[ $(a) == x ]] && (( $(b) ))")).toEqual(["a", "b"]);
    expect(names("x=$(a) y=`b`; c")).toEqual(["a", "b", "c"]);
  });

  test("loops are walked twice so late assignments reach early commands", () => {
    expect(argvs("while true; do $c -x; c=rm; done")).toContain("rm -x");
  });

  test("absolute and relative paths name the program by its basename", () => {
    expect(names("/usr/bin/make && ./configure && ../bin/tool")).toEqual([
      "make",
      "configure",
      "tool",
    ]);
  });
});

describe("wrappers are taken off", () => {
  test("env, sudo, time, nice, nohup, timeout, exec, command, stdbuf", () => {
    const inv = analyzeCommand(
      "sudo -E -u root env -i A=1 nice -n 10 nohup timeout -s KILL 5 stdbuf -oL make -j2",
    ).invocations[0];
    expect(inv?.argv).toEqual(["make", "-j2"]);
    expect(inv?.wrappers).toEqual(["sudo", "env", "nice", "nohup", "timeout", "stdbuf"]);
    expect(names("time make; command make; exec make; builtin cd")).toEqual([
      "make",
      "make",
      "make",
      "cd",
    ]);
  });

  test("a wrapper that runs nothing is itself the program", () => {
    expect(names("sudo -l")).toEqual(["sudo"]);
    expect(names("command -v make")).toEqual(["command"]);
  });

  test("sh -c / bash -c code is parsed and walked, with $0 and $1...", () => {
    expect(argvs("bash -lc 'make && make test'")).toEqual([
      "bash -lc make && make test",
      "make",
      "make test",
    ]);
    expect(argvs("sh -c 'echo \"$1\"' zero one")).toContain("echo one");
    expect(analyzeCommand("bash -c 'make'").invocations[1]?.wrappers).toEqual(["bash"]);
  });

  test("eval, xargs, find -exec, watch, su -c, env -S", () => {
    expect(argvs("eval 'make -j2'")).toContain("make -j2");
    expect(argvs("echo a b | xargs rm")).toContain("rm a b");
    expect(argvs("echo a | xargs -I{} cp {} {}.bak")).toContain("cp a a.bak");
    expect(argvs("find /tmp -name x -exec rm {} \\;")).toContain("rm /tmp/**/x");
    expect(argvs("find /tmp -exec rm {} \\;")).toContain("rm /tmp");
    expect(argvs("watch -n 5 make")).toContain("make");
    expect(argvs("su -c 'make install' root")).toContain("make install");
    expect(argvs("env -S 'make -j2'")).toContain("make -j2");
  });
});

describe("expansion", () => {
  test("quotes, escapes and ANSI-C strings are removed", () => {
    expect(argvs(`r"m" 'x y' \\z $'\\x41\\101' "a\\"b"`)).toEqual(['rm x y z AA a"b']);
  });

  test("variables assigned earlier, in any branch, are substituted", () => {
    expect(argvs("a=ma; b=ke; $a$b")).toEqual(["make"]);
    expect(argvs("a=ls; false || a=rm; $a x")).toEqual(["false", "ls x", "rm x"]);
    expect(argvs("export A=rm; declare -x B=-f; $A $B x")).toContain("rm -f x");
    expect(argvs('a=(rm -f x); "${a[@]}"')).toEqual(["rm -f x"]);
    expect(argvs("read a b <<< 'rm -rf'; $a $b")).toContain("rm -rf");
  });

  test("parameter operators: default, alternative, trim, replace, slice, case", () => {
    expect(argvs("${u:-make}")).toEqual(["make"]);
    expect(argvs("x=xmakex; ${x:1:4}")).toEqual(["make"]);
    expect(argvs("x=mXaXke; ${x//X/}")).toEqual(["make"]);
    expect(argvs("x=make.sh; ${x%.sh}")).toEqual(["make"]);
    expect(argvs("x=/usr/bin/make; ${x##*/}")).toEqual(["make"]);
    expect(argvs("x=MAKE; ${x,,}")).toEqual(["make"]);
  });

  test("IFS splitting of unquoted expansions, and custom IFS", () => {
    expect(argvs("x='make -j2'; $x")).toEqual(["make -j2"]);
    expect(analyzeCommand("x='make -j2'; \"$x\"").invocations[0]?.argv).toEqual(["make -j2"]);
    expect(analyzeCommand("make${IFS}-j2").invocations[0]?.argv).toEqual(["make", "-j2"]);
    expect(analyzeCommand("IFS=,; x=make,-j2; $x").invocations[0]?.argv).toEqual(["make", "-j2"]);
  });

  test("brace expansion", () => {
    expect(analyzeCommand("rm /{a,b}/{1..2}").invocations[0]?.argv).toEqual([
      "rm",
      "/a/1",
      "/a/2",
      "/b/1",
      "/b/2",
    ]);
    expect(analyzeCommand("'{a,b}'").invocations[0]?.argv).toEqual(["{a,b}"]);
  });

  test("static command substitution output: echo and printf", () => {
    expect(argvs("$(echo make) -j2")).toContain("make -j2");
    expect(argvs("$(printf '%s' mak)e")).toContain("make");
  });

  test("unknown variables expand to nothing and mark the word dynamic", () => {
    const inv = analyzeCommand("$CC -O2 a.c").invocations[0];
    expect(inv?.argv).toEqual(["-O2", "a.c"]);
    expect(inv?.dynamicName).toBe(true);
  });

  test("cd sets the working directory for later commands", () => {
    // After `cd X &&` only X is possible; after `cd X;` the old directory too (cd may fail).
    expect(analyzeCommand("cd /srv && cd app && ls").invocations[2]?.cwd).toEqual(["/srv/app"]);
    expect(analyzeCommand("cd /srv; cd app; ls").invocations[2]?.cwd).toEqual([
      "?",
      "/srv",
      "/srv/app",
    ]);
    expect(analyzeCommand("set -e; cd /srv; cd app; ls").invocations.at(-1)?.cwd).toEqual([
      "/srv/app",
    ]);
    expect(analyzeCommand("cd /srv || exit 1; ls").invocations.at(-1)?.cwd).toEqual(["/srv"]);
    expect(analyzeCommand("ls").invocations[0]?.cwd).toEqual(["?"]);
    expect(analyzeCommand("ls", { cwd: ["/home/u"] }).invocations[0]?.cwd).toEqual(["/home/u"]);
    expect(analyzeCommand("(cd /; ls); ls", { cwd: ["/x"] }).invocations.at(-1)?.cwd).toEqual([
      "/x",
    ]);
  });

  test("function calls are expanded with their arguments", () => {
    expect(argvs('f(){ rm -r "$1"; }; f /tmp/x')).toContain("rm -r /tmp/x");
  });
});

describe("redirects and hidden code", () => {
  test("redirect targets are resolved", () => {
    const inv = analyzeCommand("d=/tmp/o; make > $d 2>&1").invocations[0];
    expect(inv?.redirects).toEqual([
      { op: ">", target: "/tmp/o", dynamic: false },
      { op: ">&", fd: "2", target: "1", dynamic: false },
    ]);
  });

  test("code from stdin is followed when known, recorded with its taint when not", () => {
    expect(argvs("echo make | sh")).toContain("make");
    expect(argvs("sh <<EOF\nmake\nEOF")).toContain("make");
    expect(analyzeCommand("curl x | sh").dynamicCode).toEqual([
      { via: "sh", source: "curl x | sh", taint: "downloaded", producer: "curl" },
    ]);
    expect(analyzeCommand("base64 -d f | bash").dynamicCode[0]?.taint).toBe("decoded");
    expect(analyzeCommand("cat script.sh | bash").dynamicCode).toEqual([]);
  });
});

describe("refusable input", () => {
  test("syntax errors are ShellSyntaxError, also inside sh -c", () => {
    expect(() => analyzeCommand("echo 'x")).toThrow(ShellSyntaxError);
    expect(() => analyzeCommand("if true; then")).toThrow(ShellSyntaxError);
    expect(() => analyzeCommand("bash -c 'echo (('")).toThrow(/in the code run by bash/);
  });

  test("nesting beyond the limit is TooComplexError", () => {
    let cmd = "make";
    for (let i = 0; i < 14; i++) cmd = `bash -c ${JSON.stringify(cmd).replaceAll("$", "\\$")}`;
    expect(() => analyzeCommand(cmd)).toThrow(TooComplexError);
  });

  test("non-ASCII text keeps its source positions", () => {
    expect(analyzeCommand("echo héllo; make ünïcode").invocations[1]?.source).toBe("make ünïcode");
  });
});

test("brace expansion beyond 256 words is refused as too complex; long ranges are cut", () => {
  expect(() => analyzeCommand("rm -rf /{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}")).toThrow(
    TooComplexError,
  );
  expect(analyzeCommand("echo {1..100000}").invocations[0]?.argv.length).toBeGreaterThan(200);
});
