// The bootstrap of a staged command line, run by real shells.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap, needsStaging } from "./long-command.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-long-"));

function runStaged(shell: string, command: string) {
  const path = join(dir, `${shell.replaceAll("/", "_")}-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(path, command, { mode: 0o600 });
  const r = Bun.spawnSync([shell, "-c", bootstrap(path)], { cwd: dir, stdin: "ignore" });
  return {
    code: r.exitCode,
    out: r.stdout.toString(),
    err: r.stderr.toString(),
    left: existsSync(path),
  };
}

describe("staged command lines", () => {
  test("only lines near the argument limit are staged", () => {
    expect(needsStaging("echo hi")).toBe(false);
    expect(needsStaging("x".repeat(32 * 1024))).toBe(false);
    expect(needsStaging("x".repeat(32 * 1024 + 1))).toBe(true);
    expect(needsStaging("'".repeat(3000))).toBe(true); // quoting makes it 12 times longer
  });

  for (const shell of ["/bin/bash", "/bin/sh"])
    test(`${shell}: a 200 KB heredoc writes its file byte for byte, the staged file is removed`, () => {
      const body = `${"const a = 'x'; // $HOME `tick` \\\\ \n".repeat(6000)}last line without newline`;
      const command = `cat > out-${shell.length}.txt <<'EOF'\n${body}\nEOF\necho "wrote $(wc -c < out-${shell.length}.txt)"; exit 7`;
      expect(command.length).toBeGreaterThan(200_000);
      const r = runStaged(shell, command);
      expect(r.err).toBe("");
      expect(r.code).toBe(7);
      expect(r.out).toBe(`wrote ${Buffer.byteLength(body) + 1}\n`);
      expect(readFileSync(join(dir, `out-${shell.length}.txt`), "utf8")).toBe(`${body}\n`);
      expect(r.left).toBe(false);
    });

  test("the script sees no variable of the bootstrap; a trailing line continuation is kept", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell, not a template
    const line = 'echo "[${__cluster_exec_script-unset}]"\necho a \\\n';
    const staged = runStaged("/bin/bash", line);
    const direct = Bun.spawnSync(["/bin/bash", "-c", line]).stdout.toString();
    expect(staged.out).toBe("[unset]\na\n");
    expect(staged.out).toBe(direct);
  });

  test("a missing file fails with 126 and runs nothing", () => {
    const r = Bun.spawnSync(["/bin/sh", "-c", bootstrap(join(dir, "gone.sh"))]);
    expect(r.exitCode).toBe(126);
  });
});
