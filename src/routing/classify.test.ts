import { describe, expect, test } from "bun:test";
import { analyzeCommand } from "../shell/analyze.ts";
import { classifyCommand } from "./classify.ts";

const classify = (command: string) => classifyCommand(analyzeCommand(command));
const weight = (command: string) => classify(command).weight;

describe("weight", () => {
  test("every SPEC offload word is heavy as a command word", () => {
    for (const word of [
      "make",
      "cargo build",
      "npm ci",
      "yarn",
      "pnpm i",
      "pytest -q",
      "jest",
      "mocha",
      "gcc a.c",
      "g++ a.cc",
      "clang a.c",
      "docker ps",
      "podman ps",
      "kubectl get pods",
      "rsync -a a b",
      "scp a b:",
      "tar czf a.tgz d",
      "zip -r a.zip d",
      "find . -name x",
    ])
      expect(`${word}: ${weight(word)}`).toBe(`${word}: heavy`);
  });

  test("SPEC local words alone are local", () => {
    for (const cmd of [
      "ls",
      "pwd",
      "cd /tmp",
      "echo hi",
      "cat a | head -3",
      "tail -f log",
      "which make",
      "type ls",
    ])
      expect(`${cmd}: ${weight(cmd)}`).toBe(`${cmd}: local`);
  });

  test("anything else is light", () => {
    for (const cmd of ["python3 x.py", "git status", "uname -a", "ls && python3 x.py"])
      expect(weight(cmd)).toBe("light");
  });

  test("heavy words are found in pipelines, lists, subshells, substitutions and wrappers", () => {
    for (const cmd of [
      "ls | make",
      "ls; make",
      "ls && make",
      "ls || make",
      "(make)",
      "echo $(make)",
      "echo `make`",
      "sudo make",
      "env CC=gcc make",
      "time make",
      "nice -n 5 make",
      "nohup make &",
      "/usr/bin/make",
      "bash -c 'make -j8'",
      'sh -c "cd x && make"',
      "xargs make < targets",
    ])
      expect(`${cmd}: ${weight(cmd)}`).toBe(`${cmd}: heavy`);
  });

  test("grep is heavy only when recursive", () => {
    for (const cmd of [
      "grep -r x .",
      "grep -R x .",
      "grep --recursive x .",
      "grep -rn x .",
      "grep -inr x .",
      "egrep -r x .",
      "grep -d recurse x .",
    ])
      expect(`${cmd}: ${weight(cmd)}`).toBe(`${cmd}: heavy`);
    for (const cmd of ["grep x file", "grep -n x file", "grep -e -r file", "grep -- -r file"])
      expect(`${cmd}: ${weight(cmd)}`).toBe(`${cmd}: light`);
  });

  test("test counts as a runner's subcommand, never as a substring; the builtin checks this machine", () => {
    expect(weight("test -f x")).toBe("local");
    expect(weight("[ -d build ] && echo yes")).toBe("local");
    expect(weight("make test")).toBe("heavy");
    expect(classify("mvn test").heavy).toEqual(["mvn test"]);
    expect(classify("go test ./...").heavy).toEqual(["go test"]);
    expect(weight("npm test")).toBe("heavy");
    expect(weight("pytest")).toBe("heavy");
    for (const cmd of [
      "cat test.txt",
      "echo latest",
      "python3 run_tests.py",
      "ls tests/",
      "git log --grep test",
      "mkdir test",
      "grep test notes.txt",
      "rm -r test",
    ])
      expect(`${cmd}: ${weight(cmd)}`).toBe(
        `${cmd}: ${cmd.startsWith("cat") || cmd.startsWith("echo") || cmd.startsWith("ls") ? "local" : "light"}`,
      );
  });

  test("git merge is not rg, and words inside quotes are not commands", () => {
    expect(weight("git merge main")).toBe("light");
    expect(weight("echo 'make -j8'")).toBe("local");
    expect(classify("git commit -m 'docker build'").inferred).toEqual([]);
  });
});

describe("inferred requirements and specialties", () => {
  test("docker, podman, ollama, swift build, xcodebuild", () => {
    expect(classify("docker build .").inferred).toEqual([
      { kind: "capability", value: "docker", because: "docker" },
    ]);
    expect(classify("sudo podman ps").inferred).toEqual([
      { kind: "capability", value: "podman", because: "podman" },
    ]);
    expect(classify("ollama run llama3").inferred).toEqual([
      { kind: "capability", value: "ollama", because: "ollama" },
    ]);
    expect(classify("swift build -c release").inferred).toEqual([
      { kind: "os", value: "macos", because: "swift build" },
    ]);
    expect(classify("xcodebuild -scheme App").inferred).toEqual([
      { kind: "os", value: "macos", because: "xcodebuild" },
    ]);
    expect(classify("swift --version").inferred).toEqual([]);
  });

  test("specialties hint at the kind of work", () => {
    expect(classify("make && pytest").specialties).toEqual(["compilation", "testing"]);
    expect(classify("go test ./...").specialties).toEqual(["testing"]);
  });
});
