// Dangerous-command detection on the parsed, normalised command: every program the command would
// run (after variables, quotes, ${IFS}, sudo, sh -c, eval, xargs... are resolved) is checked.
import type { Analysis, Invocation } from "../shell/analysis.ts";
import {
  accountFiles,
  blockDeviceWrite,
  formatFilesystem,
  partitionTable,
  wipeDisk,
} from "./rules-disks.ts";
import {
  findDelete,
  moveSystemPath,
  noPreserveRoot,
  recursiveDelete,
  recursivePermissions,
} from "./rules-files.ts";
import { forkBomb, hiddenCode, killAll, powerOff } from "./rules-system.ts";
import { ALLOWED, type PolicyVerdict, type Refusal, refuse } from "./types.ts";

type InvocationRule = (inv: Invocation) => Refusal | undefined;

/** Order matters only for which rule is named when several apply. */
const INVOCATION_RULES: InvocationRule[] = [
  noPreserveRoot,
  findDelete,
  recursiveDelete,
  recursivePermissions,
  moveSystemPath,
  blockDeviceWrite,
  formatFilesystem,
  wipeDisk,
  partitionTable,
  accountFiles,
  powerOff,
  killAll,
];

/** Every rule by name, for documentation and `config show`. */
export const DANGER_RULES: Record<string, string> = {
  unparseable: "the command is not valid shell, so what it would do is unknown",
  "too-complex": "the command nests or expands beyond what is analysed",
  "recursive-delete": "rm -r / rsync --delete on /, /*, ~, or a top-level system directory",
  "no-preserve-root": "rm/chmod/chown/chgrp --no-preserve-root",
  "find-delete": "find on a protected path with -delete or -exec rm",
  "recursive-permissions": "chmod/chown/chgrp/chattr -R on a protected path",
  "move-system-path": "mv of /, ~ or a top-level system directory",
  "block-device-write": "writes to a disk device (dd of=, >, tee, cp, shred)",
  "format-filesystem": "mkfs*, mke2fs, newfs",
  "wipe-disk":
    "wipefs, blkdiscard, sgdisk --zap, diskutil erase*, parted mklabel, nvme format, cryptsetup luksFormat, zpool/zfs destroy, lvremove...",
  "partition-table":
    "fdisk, sfdisk, gdisk, cfdisk, sgdisk, parted on a disk device, except read-only forms (fdisk -l, sfdisk --dump, parted DEV print)",
  "account-files": "overwriting or removing /etc/passwd, /etc/shadow, /etc/group, /etc/sudoers",
  "power-off":
    "shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff/reboot, writes to /proc/sysrq-trigger",
  "kill-all": "kill -1 (every process), kill 1 (init) with a signal that stops it, killall5",
  "fork-bomb": "a function that starts copies of itself in a pipeline or background",
  "decode-and-execute":
    "decoded data run as code (base64 -d | sh, eval $(... | base64 -d), base64 -d > f; sh f)",
  "remote-script":
    "a downloaded script run unseen (curl ... | sh, curl ... | python3, bash <(wget -O- ...), curl -o f URL && sh f)",
};

export function findDanger(analysis: Analysis): PolicyVerdict {
  for (const inv of analysis.invocations) {
    for (const rule of INVOCATION_RULES) {
      const hit = rule(inv);
      if (hit) return refuse({ rule: hit.rule, message: `${hit.message} (from: ${inv.source})` });
    }
  }
  const hit = forkBomb(analysis) ?? hiddenCode(analysis);
  return hit ? refuse(hit) : ALLOWED;
}
