// Dangerous-command detection on the parsed, normalised command: every program the command would
// run (after variables, quotes, ${IFS}, sudo, sh -c, eval, xargs, interpreters... are resolved),
// in the directory it would run in, is checked against the rules; then what the line does as a
// whole (fork bombs, endless output, code run unseen).
import type { Analysis, Invocation } from "../shell/analysis.ts";
import { accountChange, accountFiles } from "./rules-accounts.ts";
import {
  containerHostMount,
  containerPrivileged,
  containerWipe,
  WAIVABLE,
} from "./rules-containers.ts";
import {
  extractOverSystem,
  findDelete,
  moveSystemPath,
  noPreserveRoot,
  protectedDelete,
  recursiveDelete,
} from "./rules-delete.ts";
import {
  blockDeviceWrite,
  fillDisk,
  formatFilesystem,
  partitionTable,
  wipeDisk,
} from "./rules-disks.ts";
import {
  crontabRemove,
  fallocateHuge,
  kernelDevices,
  mounts,
  systemServices,
} from "./rules-machine.ts";
import { firewallLockout, networkDown, reverseShell } from "./rules-network.ts";
import { recursivePermissions, systemPermissions } from "./rules-perms.ts";
import { killAll, powerOff } from "./rules-processes.ts";
import { forkBomb, hazards } from "./rules-system.ts";
import { hiddenCode, unknownProgram } from "./rules-unresolved.ts";
import type { RuleContext } from "./targets.ts";
import type { Refusal } from "./types.ts";

type InvocationRule = (inv: Invocation, ctx: RuleContext) => Refusal | undefined;

/** Order matters only for which rule is named when several apply; waivable ones come last. */
const INVOCATION_RULES: InvocationRule[] = [
  noPreserveRoot,
  findDelete,
  recursiveDelete,
  recursivePermissions,
  accountFiles,
  accountChange,
  moveSystemPath,
  blockDeviceWrite,
  formatFilesystem,
  wipeDisk,
  partitionTable,
  fillDisk,
  fallocateHuge,
  protectedDelete,
  extractOverSystem,
  systemPermissions,
  powerOff,
  killAll,
  systemServices,
  firewallLockout,
  networkDown,
  kernelDevices,
  mounts,
  crontabRemove,
  reverseShell,
  containerWipe,
  unknownProgram,
  containerHostMount,
  containerPrivileged,
];

/** Every rule by name, for documentation, `config show` and the README. */
export const DANGER_RULES: Record<string, string> = {
  unparseable: "the command is not valid shell, so what it would do is unknown",
  "too-complex": "the command nests or expands beyond what is analysed",
  unresolved:
    'a destructive operation whose program or target is not known before it runs ($RM, "$DIR"/*, a cd to an unknown place), or code run from something not written out (eval "$(cmd)", … | head | sh)',
  "recursive-delete":
    "rm -r / rsync --delete of a protected path, anything holding one, or everything in one",
  "protected-delete":
    "rm, unlink or shred (no -r needed) of a protected path or everything in one (rm -f /usr/bin/*)",
  "no-preserve-root": "rm/chmod/chown/chgrp --no-preserve-root",
  "find-delete": "find -delete or -exec rm on a protected path",
  "recursive-permissions": "chmod/chown/chgrp/chattr/setfacl -R on a protected path",
  "system-permissions":
    "chmod that locks or opens a system path (chmod 700 /usr, chmod 777 /etc), setuid on a system program, chown of system paths",
  "move-system-path": "mv of a protected path",
  "extract-over-system":
    "tar -x / unzip into /, /etc, /usr, /bin... (an archive's files replace system files)",
  "block-device-write":
    "writes to a disk device, whatever writes them (dd of=, >, tee, cp, curl -o, sort -o, tar -cf, openssl -out...)",
  "format-filesystem": "mkfs*, mke2fs, newfs, mkswap on a disk device (not an image file)",
  "wipe-disk":
    "wipefs, blkdiscard, sgdisk --zap and parted mklabel on a disk, diskutil erase*, nvme format, cryptsetup luksFormat, zpool/zfs destroy, lvremove, mdadm --zero-superblock...",
  "partition-table":
    "fdisk, sfdisk, gdisk, cfdisk, sgdisk, parted on a disk device, except read-only forms (fdisk -l, sfdisk --dump, parted DEV print)",
  "fill-disk":
    "output without end written to a file: dd from /dev/zero without count=, yes > f, head -c 10T /dev/zero > f",
  "account-files":
    "writing, removing, moving or opening up the login files: passwd, shadow, group, sudoers(.d), PAM, sshd_config, host keys, authorized_keys",
  "account-change":
    "passwd -d/-l, chpasswd, usermod -L/-p/-o/-u 0, useradd -o -u 0, userdel -r, groupdel/gpasswd -d of an admin group, chage -E",
  "power-off":
    "shutdown, reboot, halt, poweroff, init 0/6, kexec -e, systemctl poweroff/rescue/isolate poweroff.target/set-default rescue.target, /proc/sysrq-trigger",
  "kill-all":
    "kill -1 (every process), kill 1 (init), killall5, pkill/killall of root's processes or of sshd, systemd, NetworkManager...",
  "system-services":
    "systemctl stop/disable/mask (or service ... stop) of ssh, networking, dbus, logind, journald...",
  "firewall-lockout":
    "iptables -P DROP / -F / a drop-all rule, nft flush ruleset, ufw default deny, firewall-cmd --panic-on",
  "network-down":
    "ip link set DEV down, ip addr/route flush or del, ifconfig DEV down, ifdown, nmcli networking off",
  "kernel-devices": "rmmod, modprobe -r, writes to /sys/.../delete|remove|unbind",
  mounts:
    "umount of a system filesystem or -a, remount read-only, mounting over a system directory",
  "crontab-remove": "crontab -r (the whole table, no copy kept)",
  "fork-bomb":
    "a function that starts copies of itself, code forking in a loop, a loop without end of background jobs",
  "reverse-shell":
    "a shell or interpreter with its input or output on /dev/tcp, /dev/udp; nc -e, ncat --sh-exec, socat TCP:... EXEC:sh",
  "container-wipe":
    "docker system prune -a/--volumes, system reset, volume prune/rm of every volume, rm -f of every container",
  "container-host-mount":
    'a container given a protected host path, a disk, a login file or the engine\'s socket (-v /:/host, --device /dev/sda); a node may waive it with allow = ["rule:container-host-mount"]',
  "container-privileged":
    '--privileged, --pid=host, --cap-add=ALL/SYS_ADMIN, kubectl debug node/...; a node may waive it with allow = ["rule:container-privileged"]',
  "decode-and-execute":
    "decoded data run as code (base64 -d | sh, eval $(... | base64 -d), base64 -d > f; sh f, python -c 'os.system(b64decode(...))')",
  "remote-script":
    'a downloaded script run unseen (curl ... | sh, curl ... | python3, bash <(wget -O- ...), curl -o f URL && sh f, python3 -c "$(curl ...)")',
};

export interface Danger extends Refusal {
  /** A rule a node may waive (containers): routing checks each node's allow list. */
  waivable: boolean;
}

/** Rules judged after what the whole line does: a program or code that cannot be seen. */
const LAST_RULES = new Set<InvocationRule>([
  unknownProgram,
  containerHostMount,
  containerPrivileged,
]);

/**
 * The refusal of the first rule (in the order above) any program of the line breaks; then what
 * the line does as a whole; then what cannot be seen; a waivable refusal only when nothing else.
 */
export function findDanger(analysis: Analysis, ctx: RuleContext): Danger | undefined {
  const main = firstHit(MAIN_RULES, analysis, ctx);
  if (main) return main;
  const whole = forkBomb(analysis) ?? hazards(analysis) ?? hiddenCode(analysis);
  if (whole) return { ...whole, waivable: false };
  return firstHit(LAST, analysis, ctx);
}

const MAIN_RULES = INVOCATION_RULES.filter((r) => !LAST_RULES.has(r));
const LAST = INVOCATION_RULES.filter((r) => LAST_RULES.has(r));

/** The first rule any program breaks; a waivable refusal only when no other rule applies. */
function firstHit(
  rules: InvocationRule[],
  analysis: Analysis,
  ctx: RuleContext,
): Danger | undefined {
  let waivable: Danger | undefined;
  for (const rule of rules)
    for (const inv of analysis.invocations) {
      const hit = rule(inv, ctx);
      if (!hit) continue;
      const found = { rule: hit.rule, message: `${hit.message} (from: ${inv.source})` };
      if (!WAIVABLE.has(hit.rule)) return { ...found, waivable: false };
      waivable ??= { ...found, waivable: true };
    }
  return waivable;
}
