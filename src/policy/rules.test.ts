import { describe, expect, test } from "bun:test";
import { analyzeCommand } from "../shell/analyze.ts";
import { checkNodeRules, type NodeRules } from "./rules.ts";

const check = (command: string, rules: Omit<NodeRules, "name">) =>
  checkNodeRules(analyzeCommand(command), { name: "n1", ...rules });

describe("per-node deny rules", () => {
  test("a denied command word is refused, naming the rule", () => {
    expect(check("docker ps", { deny: ["docker"] })).toEqual({
      allowed: false,
      rule: "nodes.n1.deny:docker",
      message: 'docker matches deny rule "docker" of node n1',
    });
  });

  test("globs match command words, through paths, wrappers and sh -c", () => {
    expect(check("/usr/bin/python3 x.py", { deny: ["python*"] }).allowed).toBe(false);
    expect(check("sudo -u x bash -c 'pip install y'", { deny: ["pip"] }).allowed).toBe(false);
    expect(check("sudo ls", { deny: ["sudo"] }).allowed).toBe(false);
    expect(check("ls | x=1 git push", { deny: ["git"] }).allowed).toBe(false);
  });

  test("other words, arguments and quoted text do not match", () => {
    expect(check("echo docker", { deny: ["docker"] }).allowed).toBe(true);
    expect(check("make docker-image", { deny: ["docker"] }).allowed).toBe(true);
  });
});

describe("per-node allow rules: deny by default", () => {
  test("every program must match an allow glob", () => {
    expect(check("make -j8 && make test", { allow: ["make"] }).allowed).toBe(true);
    const refused = check("make && curl x", { allow: ["make"] });
    expect(refused).toMatchObject({ allowed: false, rule: "nodes.n1.allow" });
    expect(refused.allowed ? "" : refused.message).toContain(
      "curl is not in the allow list of node n1",
    );
  });

  test("inert builtins and the command's own functions need no allowing", () => {
    expect(check("cd build && export X=1 && make", { allow: ["make"] }).allowed).toBe(true);
    expect(check("f(){ make; }; f", { allow: ["make"] }).allowed).toBe(true);
  });

  test("wrappers must be allowed too, and unknown command words are refused", () => {
    expect(check("sudo make", { allow: ["make"] }).allowed).toBe(false);
    expect(check("sudo make", { allow: ["make", "sudo"] }).allowed).toBe(true);
    expect(check("$TOOL build", { allow: ["make"] }).allowed).toBe(false);
  });

  test("deny wins over allow", () => {
    expect(check("git push", { allow: ["git*"], deny: ["git"] }).allowed).toBe(false);
  });

  test("no rules: everything is allowed", () => {
    expect(check("anything goes", {}).allowed).toBe(true);
  });
});
