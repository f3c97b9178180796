// Path judgements for the policy: lexical normalisation, protected directories, block devices.
import { globToRegExp, hasGlob } from "../shell/glob.ts";

/** Top-level directories whose recursive removal or re-permissioning wrecks a machine. */
const SYSTEM_DIRS = new Set([
  "bin",
  "boot",
  "dev",
  "etc",
  "home",
  "lib",
  "lib32",
  "lib64",
  "libx32",
  "media",
  "mnt",
  "nix",
  "opt",
  "proc",
  "root",
  "run",
  "sbin",
  "snap",
  "srv",
  "sys",
  "usr",
  "var",
  // macOS
  "Applications",
  "Library",
  "System",
  "Users",
  "Volumes",
  "cores",
  "private",
]);

const ACCOUNT_FILES = new Set([
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/etc/gshadow",
  "/etc/sudoers",
  "/etc/master.passwd",
]);

/** Disks and partitions (Linux and macOS), kernel memory; not /dev/null, /dev/tty, /dev/fd/N... */
const BLOCK_DEVICE =
  /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|r?disk\d|md|dm-|mapper\/|loop\d|nbd|sr\d|fd\d|mtdblock|zd|rbd|bcache|drbd|zram|pmem\d|ubd|disk\/by-|block\/|zvol\/|root$|mem$|kmem$|port$)/;
/** Directories of /dev that hold no disks; any other /dev/DIR/NAME may be an LVM /dev/VG/LV. */
const NOT_DISKS =
  /^\/dev\/(fd|pts|shm|mqueue|hugepages|net|input|snd|dri|bus|char|cpu|v4l|serial|usb|vfio|dma_heap|bsg)\//;

/**
 * Absolute form of a path for judging: `~` kept as the home marker, `.`/`..`/`//` resolved
 * lexically. Relative paths resolve against each known working directory; with none, they stay
 * relative (and are never judged protected: we do not know where they point).
 */
export function resolvePaths(path: string, cwds: string[]): string[] {
  if (path.startsWith("/") || path.startsWith("~")) return [normalise(path)];
  const bases = cwds.filter((c) => c.startsWith("/") || c.startsWith("~"));
  return bases.length > 0 ? bases.map((base) => normalise(`${base}/${path}`)) : [path];
}

export function normalise(path: string): string {
  let root = "/";
  let rest = path;
  if (path.startsWith("~")) {
    const slash = path.indexOf("/");
    const user = slash < 0 ? path.slice(1) : path.slice(1, slash);
    // ~root is /root; any other ~user is a home directory like ~.
    root = user === "root" ? "/root/" : "~/";
    rest = slash < 0 ? "" : path.slice(slash);
  }
  const parts: string[] = [];
  for (const part of rest.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const joined = root + parts.join("/");
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

/**
 * Why deleting (or chmod -R-ing) this path would wreck the machine, or undefined. Globs count by
 * the directory they expand in: `/*`, `/e*`, `~/*` and `/usr/*` are protected, `/usr/local/*` is not.
 */
export function protectedReason(path: string): string | undefined {
  const p = path.startsWith("/") || path.startsWith("~") ? normalise(path) : path;
  if (p === "/") return "the whole filesystem (/)";
  if (p === "~") return "the home directory (~)";
  const parts = p.split("/");
  const globAt = parts.findIndex((part) => hasGlob(part));
  if (globAt > 0) {
    const dir = parts.slice(0, globAt).join("/") || "/";
    if (dir === "/" || dir === "~") return `everything in ${dir === "/" ? "/" : "~"} (${p})`;
    if (isTopLevelSystemDir(dir)) return `everything in the system directory ${dir} (${p})`;
    return undefined;
  }
  if (isTopLevelSystemDir(p)) return `the system directory ${p}`;
  return undefined;
}

function isTopLevelSystemDir(p: string): boolean {
  if (!p.startsWith("/")) return false;
  const parts = p.split("/");
  return parts.length === 2 && SYSTEM_DIRS.has(parts[1] as string);
}

export function isBlockDevice(path: string): boolean {
  if (!path.startsWith("/dev/")) return false;
  const p = normalise(path);
  return BLOCK_DEVICE.test(p) || (/^\/dev\/[^/]+\/[^/]+$/.test(p) && !NOT_DISKS.test(p));
}

export function isAccountFile(path: string): boolean {
  if (!path.startsWith("/")) return false;
  const p = normalise(path);
  if (ACCOUNT_FILES.has(p)) return true;
  // /etc/pass* or /etc/sha?ow still names the file.
  return hasGlob(p) && [...ACCOUNT_FILES].some((f) => globToRegExp(p).test(f));
}
