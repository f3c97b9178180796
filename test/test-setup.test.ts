// `npm test` sets up a fresh machine itself (scripts/test-setup.sh): run against stand-ins for
// dpkg-query, apt-get, apt-cache and id on a PATH of their own, so nothing is installed for real.
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers/cli.ts";

const SCRIPT = join(ROOT, "scripts", "test-setup.sh");
const PACKAGES = readFileSync(join(ROOT, "scripts", "test-packages.txt"), "utf8")
  .split("\n")
  .map((l) => l.replace(/#.*/, "").trim())
  .filter(Boolean);
/** Real tools the two scripts use besides the stand-ins. */
const REAL = [
  "bash",
  "sh",
  "sed",
  "awk",
  "grep",
  "mktemp",
  "tail",
  "rm",
  "cat",
  "dirname",
  "uname",
  "readlink",
  "chmod",
  "kill",
  "mkdir",
];

const STUBS: Record<string, string> = {
  // dpkg-query -W -f=${Status} PKG
  "dpkg-query": `#!/bin/sh\ngrep -qx "$3" "$STATE/installed" 2>/dev/null && printf 'install ok installed' || exit 1\n`,
  "apt-get": `#!/bin/sh\necho "$*" >> "$STATE/apt.log"\n[ "$1" = install ] || exit 0\nfor a in "$@"; do case "$a" in -*|install) ;; *) echo "$a" >> "$STATE/installed" ;; esac; done\n`,
  "apt-cache": `#!/bin/sh\necho "  Candidate: 1.0"\n`,
  id: `#!/bin/sh\necho "$FAKE_UID"\n`,
};

function machine(opts: { installed?: string[]; apt?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ce-setup-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const tool of REAL) {
    const path = Bun.which(tool);
    if (path) symlinkSync(path, join(bin, tool));
  }
  for (const [name, body] of Object.entries(STUBS)) {
    if (!opts.apt && name.startsWith("apt")) continue;
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(dir, "installed"), (opts.installed ?? []).map((p) => `${p}\n`).join(""));
  const run = (uid: number) => {
    const r = Bun.spawnSync([join(bin, "bash"), SCRIPT], {
      env: { PATH: bin, STATE: dir, FAKE_UID: String(uid), TMPDIR: dir },
    });
    return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
  };
  const aptCalls = () =>
    existsSync(join(dir, "apt.log"))
      ? readFileSync(join(dir, "apt.log"), "utf8").trim().split("\n")
      : [];
  return { run, aptCalls };
}

describe("npm test's own setup (scripts/test-setup.sh)", () => {
  test("everything installed, as root: silent, nothing installed", () => {
    const m = machine({ installed: PACKAGES, apt: true });
    expect(m.run(0)).toEqual({ code: 0, out: "" });
    expect(m.aptCalls()).toEqual([]);
  });

  test("a fresh root machine with apt: installs the missing packages once, one line; then silent", () => {
    const m = machine({ installed: ["procps"], apt: true });
    const first = m.run(0);
    expect(first.code).toBe(0);
    expect(first.out.trim().split("\n")).toHaveLength(1);
    expect(first.out).toContain("installing the test cluster's packages: openssh-server");
    const installs = m.aptCalls().filter((c) => c.startsWith("install"));
    expect(installs).toHaveLength(1);
    for (const p of PACKAGES.filter((p) => p !== "procps")) expect(installs[0]).toContain(p);
    expect(installs[0]).not.toContain("procps");
    expect(m.run(0)).toEqual({ code: 0, out: "" });
    expect(m.aptCalls().filter((c) => c.startsWith("install"))).toHaveLength(1);
  });

  test("not root: one line saying to run sudo npm test, nothing installed", () => {
    const m = machine({ installed: [], apt: true });
    const r = m.run(1000);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n")).toHaveLength(1);
    expect(r.out).toContain("run: sudo npm test");
    expect(m.aptCalls()).toEqual([]);
    // Packages present but still not root: the namespaces need it.
    const present = machine({ installed: PACKAGES, apt: true }).run(1000);
    expect([present.code, present.out.trim().split("\n").length]).toEqual([1, 1]);
    expect(present.out).toContain("need root");
  });

  test("root without apt-get: one line naming the missing packages", () => {
    const r = machine({ installed: [] }).run(0);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n")).toHaveLength(1);
    expect(r.out).toContain("no apt-get");
    expect(r.out).toContain("openssh-server");
  });
});
