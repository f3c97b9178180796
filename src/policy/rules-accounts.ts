// Rules on accounts and logins: writing, removing or moving the files every login depends on
// (passwd, shadow, sudoers, PAM, sshd_config, authorized_keys), and the commands that lock,
// delete or take over accounts (passwd -d, usermod -L, chpasswd, useradd -o -u 0, userdel...).
import type { Invocation } from "../shell/analysis.ts";
import { normalisePath } from "../shell/paths.ts";
import { LONGS, parseArgs } from "./args.ts";
import { isLoginFile, resolveOperand } from "./paths.ts";
import type { RuleContext } from "./targets.ts";
import type { Refusal } from "./types.ts";
import { writeTargets } from "./writers.ts";

const REMOVERS = new Set(["rm", "unlink", "shred", "srm", "grm", "gshred", "trash", "trash-put"]);

export function accountFiles(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  const touched: string[] = writeTargets(inv).map((w) => w.path);
  if (REMOVERS.has(inv.name))
    touched.push(...parseArgs(inv.argv.slice(1), { longs: LONGS.rm }).operands);
  if (inv.name === "mv" || inv.name === "gmv")
    touched.push(...parseArgs(inv.argv.slice(1), "tS").operands.slice(0, -1));
  for (const t of touched) {
    const file = resolveOperand(inv, t, ctx.links).find(isLoginFile);
    if (file)
      return {
        rule: "account-files",
        message: `writing, moving or removing ${normalisePath(file)} can lock every user out (or let anyone in)`,
      };
  }
  return undefined;
}

/** Groups whose members administer the machine. */
const ADMIN_GROUPS = /^(sudo|wheel|admin|root|adm|docker|lxd|staff)$/;

/** Account commands that lock, delete, or take over accounts. */
const ACCOUNT_TOOLS = new Set([
  "passwd",
  "chpasswd",
  "chgpasswd",
  "usermod",
  "useradd",
  "adduser",
  "userdel",
  "deluser",
  "gpasswd",
  "groupdel",
  "chage",
]);

export function accountChange(inv: Invocation): Refusal | undefined {
  if (!ACCOUNT_TOOLS.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  const has = (re: RegExp) => args.some((a) => re.test(a));
  /** -u 0, --uid 0, -ou 0, -u0: the value of a short (or long) option. */
  const optionValue = (letter: string, long: string) => {
    for (let k = 0; k < args.length; k++) {
      const a = args[k] as string;
      if (a === long || new RegExp(`^-[a-zA-Z]*${letter}$`).test(a)) return args[k + 1];
      const attached = new RegExp(`^-[a-zA-Z]*${letter}(.+)$`).exec(a);
      if (attached && !a.startsWith("--")) return attached[1];
      if (a.startsWith(`${long}=`)) return a.slice(long.length + 1);
    }
    return undefined;
  };
  const user = args.filter((a) => !a.startsWith("-")).at(-1);
  const refuse = (what: string): Refusal => ({
    rule: "account-change",
    message: `${[inv.name, ...args].join(" ")} ${what}`,
  });
  switch (inv.name) {
    case "passwd":
      if (has(/^-[a-zA-Z]*[dle]|^--(delete|lock|expire|stdin)$/))
        return refuse("removes, locks or replaces a password");
      return undefined;
    case "chpasswd":
    case "chgpasswd":
      return refuse("sets passwords for accounts (root included)");
    case "usermod": {
      const gIndex = args.findIndex((a) => a === "-G" || a === "--groups");
      if (
        has(/^-[a-zA-Z]*[Lpoel]|^--(lock|password|non-unique|expiredate|login)$/) ||
        optionValue("u", "--uid") === "0" ||
        /(nologin|false)$/.test(optionValue("s", "--shell") ?? "") ||
        (gIndex >= 0 && !has(/^-[a-zA-Z]*a|^--append$/))
      )
        return refuse("locks, takes over or renames an account, or takes away its groups");
      return undefined;
    }
    case "useradd":
    case "adduser":
      if (has(/^-[a-zA-Z]*o|^--non-unique$/) || optionValue("u", "--uid") === "0")
        return refuse("creates a second root account (uid 0)");
      return undefined;
    case "userdel":
    case "deluser":
      if (
        inv.args.some((a) => a.dynamic) ||
        has(/^-[a-zA-Z]*[rf]|^--(remove|force|remove-home|remove-all-files)$/) ||
        user === "root"
      )
        return refuse("deletes an account (and its home)");
      if (
        inv.name === "deluser" &&
        args.filter((a) => !a.startsWith("-")).length >= 2 &&
        ADMIN_GROUPS.test(user ?? "")
      )
        return refuse("takes an account out of an administrators' group");
      return undefined;
    case "gpasswd":
      if (
        has(/^-[a-zA-Z]*[dMAr]|^--(delete|members|administrators|remove-password)$/) &&
        ADMIN_GROUPS.test(user ?? "")
      )
        return refuse("changes who administers the machine");
      return undefined;
    case "groupdel":
      return ADMIN_GROUPS.test(user ?? "") || inv.args.some((a) => a.dynamic)
        ? refuse("deletes an administrators' group")
        : undefined;
    case "chage":
      if (has(/^-[a-zA-Z]*[Ed]|^--(expiredate|lastday)$/))
        return refuse("expires an account or its password");
      return undefined;
    default:
      return undefined;
  }
}
