import { describe, expect, test } from "bun:test";
import type { NodeConfig } from "../config/load.ts";
import { hostKeyAlgorithms, sshOptions } from "./argv.ts";
import { chooseTransport, openSshOnly, sshAddress } from "./choose-transport.ts";
import { parseSshG } from "./ssh-config.ts";

const home = "/home/u";
const env = { home, ssh_auth_sock: "/run/agent.sock" };
const node = (extra: Partial<NodeConfig> = {}): NodeConfig => ({
  name: "n1",
  kind: "ssh",
  host: "n1.local",
  user: "u",
  port: 22,
  capabilities: [],
  specialties: [],
  sandbox: "off",
  writable: [],
  ...extra,
});

/** What `ssh -G n1.local` prints with no config, and a few lines changed. */
function sshG(lines: Record<string, string | string[]> = {}): ReturnType<typeof parseSshG> {
  const base: Record<string, string | string[]> = {
    host: "n1.local",
    user: "u",
    hostname: "n1.local",
    port: "22",
    securitykeyprovider: "internal",
    identityfile: ["~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ed25519", "~/.ssh/id_dsa"],
    controlpath: "/state/cm/0123abcd",
    ...lines,
  };
  const text = Object.entries(base)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k} ${x}`))
    .join("\n");
  return parseSshG(`${text}\n`);
}

describe("auto: what ssh2 cannot honour", () => {
  test("a plain host stays on ssh2, and says so", () => {
    const c = chooseTransport(node(), sshG(), env);
    expect(c).toEqual({
      transport: "ssh2",
      reason: "auto: ssh -G n1.local shows nothing ssh2 cannot honour",
    });
  });

  test("each thing only OpenSSH can do picks openssh, named in the reason", () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [{ proxyjump: "bastion" }, "proxyjump bastion"],
      [{ proxycommand: "nc %h %p" }, "proxycommand nc %h %p"],
      [{ certificatefile: "~/.ssh/id-cert.pub" }, "certificatefile ~/.ssh/id-cert.pub"],
      [{ pkcs11provider: "/usr/lib/opensc.so" }, "pkcs11provider /usr/lib/opensc.so"],
      [{ securitykeyprovider: "/usr/lib/sk.so" }, "securitykeyprovider /usr/lib/sk.so"],
      [{ identityagent: "/run/other.sock" }, "identityagent /run/other.sock"],
      [{ hostname: "10.0.0.5" }, "hostname 10.0.0.5"],
      [{ user: "admin" }, "user admin"],
      [{ port: "2222" }, "port 2222"],
      [{ identityfile: ["~/.ssh/work_key"] }, "identityfile ~/.ssh/work_key"],
    ];
    for (const [lines, phrase] of cases) {
      const c = chooseTransport(node(), sshG(lines), env);
      expect(c.transport).toBe("openssh");
      expect(c.reason).toBe(`auto: ssh -G n1.local says ${phrase}`);
    }
  });

  test("what ssh2 does the same is no reason: the agent at $SSH_AUTH_SOCK, ssh's default keys, our identity_file, case", () => {
    const same = sshG({
      identityagent: "SSH_AUTH_SOCK",
      hostname: "N1.LOCAL",
      identityfile: ["/keys/k", "/home/u/.ssh/id_ed25519"],
    });
    expect(openSshOnly(node({ identity_file: "/keys/k" }), same, env)).toEqual([]);
    expect(openSshOnly(node(), sshG({ identityagent: "/run/agent.sock" }), env)).toEqual([]);
    expect(openSshOnly(node(), sshG({ proxyjump: "none", proxycommand: "none" }), env)).toEqual([]);
  });

  test("the address an openssh node is reached at: HostName and the jump hosts", () => {
    expect(sshAddress(sshG({ hostname: "10.0.0.5", proxyjump: "a,b" }))).toBe("10.0.0.5 via a,b");
    expect(sshAddress(sshG({ hostname: "10.0.0.5", proxycommand: "nc %h %p" }))).toBe(
      "10.0.0.5 via ProxyCommand",
    );
    const c = chooseTransport(node(), sshG({ hostname: "10.0.0.5", proxyjump: "b" }), env);
    expect(c.address).toBe("10.0.0.5 via b");
  });
});

describe("configured transports", () => {
  test("ssh2 and openssh are taken as configured; auto without an answer from ssh -G is ssh2", () => {
    expect(chooseTransport(node({ transport: "ssh2" }), sshG({ proxyjump: "b" }), env)).toEqual({
      transport: "ssh2",
      reason: "transport = ssh2 (configured)",
    });
    expect(chooseTransport(node({ transport: "openssh" }), sshG(), env)).toMatchObject({
      transport: "openssh",
      reason: "transport = openssh (configured)",
      address: "n1.local",
    });
    const none = chooseTransport(node(), new Error("spawn ssh: ENOENT"), env);
    expect(none.transport).toBe("ssh2");
    expect(none.reason).toContain("spawn ssh: ENOENT");
  });
});

describe("the ssh command line", () => {
  const o = {
    knownHostsPath: "/state/known_hosts",
    controlPath: "/state/cm/%C",
    connectTimeoutS: 2,
    keepaliveS: 5,
  };

  test("pins by node name in the state directory, never prompts, keepalives from the settings", () => {
    const args = sshOptions(node({ explicit: { user: false, port: false } }), o).join(" ");
    for (const opt of [
      "BatchMode=yes",
      "ConnectTimeout=2",
      "ServerAliveInterval=5",
      "ServerAliveCountMax=3",
      "HostKeyAlias=n1",
      "UserKnownHostsFile=/state/known_hosts",
      "StrictHostKeyChecking=accept-new",
      "HashKnownHosts=no",
      "ControlPath=/state/cm/%C",
    ])
      expect(args).toContain(`-o ${opt}`);
    expect(args).not.toContain("-l u"); // not configured: the ssh config's User applies
    expect(args).not.toContain("-p 22");
    expect(args).not.toContain("HostKeyAlgorithms");
  });

  test("a configured user, port, key and ssh config file are passed; a pinned key type is the only one accepted", () => {
    const args = sshOptions(
      node({ explicit: { user: true, port: true }, port: 2222, identity_file: "/k" }),
      { ...o, sshConfig: "/cfg", pinnedKeyType: "ssh-rsa", knownHostsPath: "/my state/kh" },
    );
    expect(args.slice(0, 8)).toEqual(["-F", "/cfg", "-l", "u", "-p", "2222", "-i", "/k"]);
    expect(args).toContain("HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256,ssh-rsa");
    expect(args).toContain('UserKnownHostsFile="/my state/kh"');
    expect(hostKeyAlgorithms("ssh-ed25519")).toBe("ssh-ed25519");
  });
});
