// Rules on permissions: chmod/chown/chgrp/chattr/setfacl -R on a protected path (or an unknown
// one), and single changes that break a system: a system directory locked (chmod 700 /usr), made
// writable for everyone (chmod 777 /etc), a setuid bit on a system program, a new owner for it.
import type { Invocation } from "../shell/analysis.ts";
import { LONGS, parseArgs } from "./args.ts";
import { isLoginFile } from "./paths.ts";
import { targetRefusal } from "./rules-delete.ts";
import { judgeTargets, type RuleContext } from "./targets.ts";
import type { Refusal } from "./types.ts";

const PERMISSION_TOOLS = new Set(["chmod", "chown", "chgrp", "chattr", "setfacl"]);

interface PermArgs {
  recursive: boolean;
  /** chmod MODE, chown OWNER, chattr +i; setfacl -m ACL. */
  change: string;
  targets: number[];
}

/** chmod modes may start with "-" (chmod -x f): only known option letters make an option group. */
function permArgs(inv: Invocation): PermArgs {
  const raw = inv.argv.slice(1);
  const longs = inv.name === "chmod" ? LONGS.chmod : LONGS.chown;
  let recursive = inv.wrappers.includes("find") || inv.wrappers.includes("xargs");
  let change = "";
  const rest: number[] = [];
  let reference = false;
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i] as string;
    if (
      inv.name === "setfacl" &&
      /^-[a-zA-Z]*[mxMX]$|^--(modify|remove|set|set-file|modify-file|remove-file)$/.test(a)
    ) {
      change = raw[++i] ?? "";
      if (/R/.test(a)) recursive = true;
      continue;
    }
    if (a.startsWith("--")) {
      const name = parseArgs([a], { longs }).long.values().next().value ?? a;
      if (name === "--recursive") recursive = true;
      if (name === "--reference") reference = true;
      continue;
    }
    if (
      /^-[RvcfhHLPbkdn]+$/.test(a) &&
      !(inv.name === "chattr" && a !== "-R" && !/^-[RVf]+$/.test(a))
    ) {
      if (a.includes("R")) recursive = true;
      continue;
    }
    rest.push(i + 1);
  }
  if (inv.name === "setfacl" || reference) return { recursive, change, targets: rest };
  return { recursive, change: inv.argv[rest[0] ?? -1] ?? "", targets: rest.slice(1) };
}

export function recursivePermissions(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!PERMISSION_TOOLS.has(inv.name)) return undefined;
  const p = permArgs(inv);
  if (!p.recursive) return undefined;
  const hit = judgeTargets(inv, ctx, p.targets, true);
  if (!hit) return undefined;
  return targetRefusal(
    hit,
    "recursive-permissions",
    `${inv.name} -R breaks the permissions of`,
    inv,
  );
}

/** Single (non-recursive) permission changes that break a system or open it up. */
export function systemPermissions(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!PERMISSION_TOOLS.has(inv.name)) return undefined;
  const p = permArgs(inv);
  for (const i of p.targets) {
    const hit = judgeTargets(inv, ctx, [i], false);
    const path = hit?.kind === "protected" ? hit.path : (inv.argv[i] ?? "");
    const login = isLoginFile(path) || (inv.cwd.length > 0 && isLoginFile(`${inv.cwd[0]}/${path}`));
    const why = verdict(
      inv.name,
      p.change,
      path,
      hit?.kind === "protected" ? hit.protection.home : undefined,
      login,
    );
    if (why)
      return {
        rule: login ? "account-files" : "system-permissions",
        message: `${inv.name} ${p.change} ${path}: ${why}`,
      };
  }
  return undefined;
}

/** Why this change to PATH breaks something; `home` is undefined when PATH is not protected. */
function verdict(
  tool: string,
  change: string,
  path: string,
  home: boolean | undefined,
  login: boolean,
): string | undefined {
  const system = home === false;
  if (tool === "chmod") {
    const m = modeEffect(change);
    if (m.setuid && (system || /^\/(usr|bin|sbin|lib\w*|opt|etc|boot)\//.test(path)))
      return "a setuid or setgid bit on a system program lets anyone become its owner (root)";
    if (m.opens && (home !== undefined || login))
      return "it becomes writable by others, who can then take over the machine or lock it";
    if (m.locksOwner && (home !== undefined || login))
      return "nobody can read it any more, which stops the system or the logins";
    if (m.locksOthers && system && /^\/[^/]*$|^\/usr\/[^/]+$/.test(path))
      return "users and services can no longer enter this system directory";
    if (m.dropsExec && system && EXECUTABLES.test(path))
      return "programs and libraries that cannot be executed stop the system";
    return undefined;
  }
  if (tool === "chattr") {
    if (/^\+\w*[ia]/.test(change) && (system || login))
      return "an immutable or append-only file cannot be updated, so logins or updates break";
    return undefined;
  }
  if (tool === "setfacl")
    return system || login ? "an ACL on a system path can give anyone write access" : undefined;
  // chown / chgrp of system files: sudo, sshd and package managers refuse files owned by others.
  return system || login
    ? "system files owned by another user stop sudo, sshd and package updates"
    : undefined;
}

/** Where programs and libraries live: taking x away there stops everything. */
const EXECUTABLES = /^\/(usr\/(local\/)?)?(s?bin|lib\w*|libexec)(\/|$)/;

interface ModeEffect {
  /** Execute permission taken from the owner (octal without it, or -x / =rw). */
  dropsExec: boolean;
  opens: boolean;
  setuid: boolean;
  locksOwner: boolean;
  locksOthers: boolean;
}

/** What a chmod mode does: octal (0755) or symbolic (u+s, go-rwx, a=, +w). */
export function modeEffect(mode: string): ModeEffect {
  if (/^[0-7]{1,4}$/.test(mode)) {
    const n = Number.parseInt(mode, 8);
    return {
      dropsExec: (n & 0o100) === 0,
      opens: (n & 0o022) !== 0,
      setuid: (n & 0o6000) !== 0,
      locksOwner: (n & 0o400) === 0,
      locksOthers: (n & 0o005) !== 0o005,
    };
  }
  const out: ModeEffect = {
    dropsExec: false,
    opens: false,
    setuid: false,
    locksOwner: false,
    locksOthers: false,
  };
  for (const clause of mode.split(",")) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) continue;
    const who = m[1] || "a";
    const [, , op, perms = ""] = m;
    const others = /[goa]/.test(who);
    if (
      (op === "-" && perms.includes("x") && /[ua]/.test(who)) ||
      (op === "=" && !/[xX]/.test(perms) && /[ua]/.test(who))
    )
      out.dropsExec = true;
    if ((op === "+" || op === "=") && perms.includes("w") && others) out.opens = true;
    if ((op === "+" || op === "=") && perms.includes("s")) out.setuid = true;
    if (
      (op === "-" && perms.includes("r") && /[ua]/.test(who)) ||
      (op === "=" && !perms.includes("r") && /[ua]/.test(who))
    )
      out.locksOwner = true;
    if (
      (op === "-" && /[rx]/.test(perms) && /[oa]/.test(who)) ||
      (op === "=" && !/r/.test(perms) && /[oa]/.test(who))
    )
      out.locksOthers = true;
  }
  return out;
}
