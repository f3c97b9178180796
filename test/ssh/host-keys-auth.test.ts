// Pinned host keys (accept-new, change detection, forget, OpenSSH-compatible fingerprints) and the
// auth plan (identity_file, agent, the usual ~/.ssh keys, never a prompt).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterError } from "../../src/errors.ts";
import {
  fingerprint,
  hostKeyChangedError,
  KnownHosts,
  keyType,
} from "../../src/remote/host-keys.ts";
import { planAuth } from "../../src/ssh/auth.ts";

let dir: string;

function keygen(path: string, type: string, passphrase = ""): void {
  const r = Bun.spawnSync(["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-f", path]);
  if (r.exitCode !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
}

/** The wire-format blob of a public key file (`type base64 comment`). */
function blobOf(pubPath: string): Buffer {
  return Buffer.from(readFileSync(pubPath, "utf8").split(" ")[1] as string, "base64");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ce-keys-"));
  keygen(join(dir, "a"), "ed25519");
  keygen(join(dir, "b"), "ecdsa");
  keygen(join(dir, "locked"), "ed25519", "secret");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("known hosts", () => {
  test("fingerprints match ssh-keygen -l", () => {
    const out = Bun.spawnSync(["ssh-keygen", "-lf", join(dir, "a.pub")]).stdout.toString();
    expect(out).toContain(fingerprint(blobOf(join(dir, "a.pub"))));
    expect(keyType(blobOf(join(dir, "a.pub")))).toBe("ssh-ed25519");
    expect(keyType(blobOf(join(dir, "b.pub")))).toBe("ecdsa-sha2-nistp256");
  });

  test("accept-new, match, change, forget — by node name", () => {
    const kh = new KnownHosts(join(dir, "state", "known_hosts"));
    const a = blobOf(join(dir, "a.pub"));
    const b = blobOf(join(dir, "b.pub"));
    expect(kh.check("n1", a)).toEqual({ verdict: "new" });
    kh.pin("n1", a);
    kh.pin("n2", b);
    expect(kh.check("n1", a)).toEqual({ verdict: "match" });
    const changed = kh.check("n1", b);
    expect(changed.verdict).toBe("changed");
    expect(kh.check("n2", b)).toEqual({ verdict: "match" });
    expect(readFileSync(kh.path, "utf8")).toMatch(
      /^n1 ssh-ed25519 \S+\nn2 ecdsa-sha2-nistp256 \S+\n$/,
    );

    if (changed.verdict !== "changed") throw new Error("unreachable");
    const err = hostKeyChangedError("n1", changed.pinned, b, kh.path);
    expect(err.code).toBe("HOST_KEY_CHANGED");
    expect(err.message).toContain(fingerprint(a));
    expect(err.message).toContain(fingerprint(b));
    expect(err.message).toContain("cluster-exec forget-host n1");

    expect(kh.forget("n1")).toBe(true);
    expect(kh.forget("n1")).toBe(false);
    expect(kh.check("n1", b)).toEqual({ verdict: "new" });
    expect(kh.check("n2", b)).toEqual({ verdict: "match" });
  });

  test("a known_hosts that cannot be read is an error, never taken for an empty one", () => {
    const unreadable = join(dir, "unreadable");
    mkdirSync(unreadable); // reading a directory fails (EISDIR), even as root
    const kh = new KnownHosts(unreadable);
    expect(() => kh.check("n1", blobOf(join(dir, "a.pub")))).toThrow(/EISDIR/);
    expect(new KnownHosts(join(dir, "none", "known_hosts")).lookup("n1")).toBeUndefined();
  });
});

describe("auth plan", () => {
  const node = { name: "n1", user: "u" };

  test("identity_file first, then the agent; no default keys when one is configured", () => {
    const home = join(dir, "home-with-keys");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    const plan = planAuth(
      { ...node, identity_file: join(dir, "a") },
      { home, ssh_auth_sock: "/run/agent.sock" },
    );
    expect(plan.methods.map((m) => m.type)).toEqual(["publickey", "agent"]);
    expect(plan.offered[0]).toBe(`identity_file ${join(dir, "a")}`);
  });

  test("without identity_file: agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exist", () => {
    const home = join(dir, "home-default");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    Bun.spawnSync(["cp", join(dir, "b"), join(home, ".ssh", "id_ecdsa")]);
    const plan = planAuth(node, { home, ssh_auth_sock: "/run/agent.sock" });
    expect(plan.methods.map((m) => m.type)).toEqual(["agent", "publickey"]);
    expect(plan.offered).toContain(`key ${join(home, ".ssh", "id_ecdsa")}`);
  });

  test("nothing usable: AUTH_FAILED naming the node and everything tried; encrypted keys never prompt", () => {
    const home = join(dir, "home-empty");
    let err: unknown;
    try {
      planAuth({ ...node, identity_file: join(dir, "locked") }, { home });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterError);
    const e = err as ClusterError;
    expect(e.code).toBe("AUTH_FAILED");
    expect(e.message).toContain("node n1");
    expect(e.message).toContain(
      `identity_file ${join(dir, "locked")} (encrypted; load it into ssh-agent)`,
    );
    expect(e.message).toContain("ssh-agent (SSH_AUTH_SOCK not set)");

    let err2: unknown;
    try {
      planAuth(node, { home });
    } catch (e2) {
      err2 = e2;
    }
    expect((err2 as ClusterError).message).toContain(
      `key ${join(home, ".ssh", "id_ed25519")} (missing)`,
    );
    expect((err2 as ClusterError).message).toContain(
      `key ${join(home, ".ssh", "id_rsa")} (missing)`,
    );
  });

  test("an identity_file that is a public key is named as such, before any connection", () => {
    const pub = join(dir, "a.pub");
    expect(() =>
      planAuth({ ...node, identity_file: pub }, { home: join(dir, "home-empty") }),
    ).toThrow(`identity_file ${pub} (a public key; identity_file names the private key)`);
  });
});
