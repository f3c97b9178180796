// Path judgements for the policy: where an operand points (its working directory, symlinks and
// bind mounts made earlier in the line), block devices, and the files every login depends on.
import type { Invocation, Link } from "../shell/analysis.ts";
import { UNKNOWN_DIR } from "../shell/analysis.ts";
import { globToRegExp, hasGlob } from "../shell/glob.ts";
import { isAnchored, normalisePath, resolveIn } from "../shell/paths.ts";
import { isBroad } from "./protected.ts";

/** Disks and partitions (Linux and macOS), kernel memory; not /dev/null, /dev/tty, /dev/fd/N... */
const BLOCK_DEVICE =
  /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|r?disk\d|md|dm-|mapper\/|loop\d|nbd|sr\d|fd\d|mtdblock|zd|rbd|bcache|drbd|zram|pmem\d|ubd|disk\/by-|block\/|zvol\/|root$|mem$|kmem$|port$)/;
/** Directories of /dev that hold no disks; any other /dev/DIR/NAME may be an LVM /dev/VG/LV. */
const NOT_DISKS =
  /^\/dev\/(fd|pts|shm|mqueue|hugepages|net|input|snd|dri|bus|char|cpu|v4l|serial|usb|vfio|dma_heap|bsg)\//;

/**
 * Files every login depends on: the account databases, sudo and PAM rules, sshd's configuration
 * and host keys, and the keys that let anyone (the cluster included) in.
 */
const LOGIN_FILES = [
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/etc/gshadow",
  "/etc/master.passwd",
  "/etc/sudoers",
  "/etc/sudoers.d",
  "/etc/sudoers.d/*",
  "/etc/doas.conf",
  "/etc/pam.conf",
  "/etc/pam.d",
  "/etc/pam.d/*",
  "/etc/security/*",
  "/etc/login.defs",
  "/etc/nsswitch.conf",
  "/etc/shells",
  "/etc/ssh/sshd_config",
  "/etc/ssh/sshd_config.d/*",
  "/etc/ssh/ssh_host_*",
  "/etc/ssh/authorized_keys*",
  "~/.ssh/authorized_keys*",
  "/root/.ssh/authorized_keys*",
  "/home/*/.ssh/authorized_keys*",
  "/Users/*/.ssh/authorized_keys*",
  "/var/root/.ssh/authorized_keys*",
].map((p) => globToRegExp(p));

/** Every path OPERAND may name from where INV runs, symlinks and bind mounts of the line followed. */
export function resolveOperand(inv: Invocation, operand: string, links: readonly Link[]): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    if (!out.includes(p)) out.push(p);
  };
  const dirs = isAnchored(operand) ? [UNKNOWN_DIR] : inv.cwd;
  for (const dir of dirs) {
    const path = resolveIn(operand, dir);
    add(path);
    for (const linked of throughLinks(path, links)) add(linked);
  }
  return out;
}

/** PATH with a link's name at its start replaced by what the link points at (up to 4 hops). */
function throughLinks(path: string, links: readonly Link[]): string[] {
  if (links.length === 0) return [];
  const out: string[] = [];
  let frontier = [path];
  for (let hop = 0; hop < 4 && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const p of frontier)
      for (const { from, to } of links)
        if (p === from || p.startsWith(`${from}/`)) {
          const target = normalisePath(`${to}${p.slice(from.length)}`);
          if (!out.includes(target) && target !== p) next.push(target);
        }
    out.push(...next);
    frontier = next;
  }
  return out;
}

/**
 * A relative path seen from a directory that is not known (after `cd "$X"`) is dangerous when
 * it could reach anything: `.`, `..`, `../x`, `*`, `.*`.
 */
export function reachesFromUnknown(path: string): boolean {
  if (isAnchored(path)) return false;
  const parts = normalisePath(path).split("/");
  const first = parts[0] as string;
  // find . -name '*.o' acts on ./**/*.o: matching files below, not the directory itself.
  if (parts.includes("**") && !isBroad(parts.at(-1) as string)) return false;
  return first === "." || first === ".." || isBroad(first);
}

export function isBlockDevice(path: string): boolean {
  if (!path.startsWith("/dev/")) return false;
  const p = normalisePath(path);
  return BLOCK_DEVICE.test(p) || (/^\/dev\/[^/]+\/[^/]+$/.test(p) && !NOT_DISKS.test(p));
}

/** Account databases, sudo/PAM/sshd configuration, authorized keys; globs that may name one too. */
export function isLoginFile(path: string): boolean {
  if (!isAnchored(path)) return false;
  const p = normalisePath(path);
  if (LOGIN_FILES.some((re) => re.test(p))) return true;
  // /etc/pass* or /etc/sha?ow still names the file.
  return hasGlob(p) && KNOWN_LOGIN_FILES.some((f) => globToRegExp(p).test(f));
}

const KNOWN_LOGIN_FILES = [
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/etc/gshadow",
  "/etc/sudoers",
];
