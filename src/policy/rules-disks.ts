// Rules on disks and key files: writes to block devices, formatting, wiping, account databases.
import type { Invocation } from "../shell/analysis.ts";
import { parseArgs } from "./args.ts";
import { isAccountFile, isBlockDevice, normalise, resolvePaths } from "./paths.ts";
import type { Refusal } from "./types.ts";

const WRITE_REDIRECTS = new Set([">", ">>", ">|", "<>", "&>", "&>>", ">&"]);
const COPIERS = new Set(["cp", "mv", "install", "ln", "rsync", "ddrescue", "gcp", "gmv"]);
const IN_PLACE_EDITORS = new Set(["sed", "gsed", "perl"]);

/** Every path this invocation writes to, as far as its arguments say. */
export function writeTargets(inv: Invocation): string[] {
  return rawWriteTargets(inv).flatMap((t) => resolvePaths(t, inv.cwd));
}

function rawWriteTargets(inv: Invocation): string[] {
  const targets: string[] = [];
  for (const r of inv.redirects) {
    // 2>&1 and >&- name descriptors, not files.
    if (WRITE_REDIRECTS.has(r.op) && !(r.op === ">&" && /^(\d+|-)$/.test(r.target)))
      targets.push(r.target);
  }
  const args = inv.argv.slice(1);
  if (inv.name === "dd") {
    for (const a of args) if (a.startsWith("of=")) targets.push(a.slice(3));
  } else if (inv.name === "tee") {
    targets.push(...parseArgs(args).operands);
  } else if (COPIERS.has(inv.name)) {
    const parsed = parseArgs(args, inv.name === "rsync" ? "efT" : "tS");
    const targetDir = args.findIndex((a) => a === "-t" || a === "--target-directory");
    if (targetDir >= 0 && args[targetDir + 1]) targets.push(args[targetDir + 1] as string);
    else if (parsed.operands.length > 1) targets.push(parsed.operands.at(-1) as string);
  } else if (
    inv.name === "shred" ||
    inv.name === "truncate" ||
    inv.name === "mkswap" ||
    inv.name === "badblocks"
  ) {
    targets.push(...parseArgs(args, "nsuo").operands);
  } else if (
    IN_PLACE_EDITORS.has(inv.name) &&
    args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place"))
  ) {
    const operands = parseArgs(args, "ef").operands;
    // Without -e/-f the first operand is the script, not a file.
    const scripted = args.some((a) => /^-[a-zA-Z]*[ef]$/.test(a) || a === "--expression");
    targets.push(...(scripted ? operands : operands.slice(1)));
  }
  return targets;
}

export function blockDeviceWrite(inv: Invocation): Refusal | undefined {
  const device = writeTargets(inv).find(isBlockDevice);
  if (!device) return undefined;
  const how = inv.name ? `${inv.name} writing to` : "redirecting output to";
  return {
    rule: "block-device-write",
    message: `${how} the block device ${device} destroys its data`,
  };
}

const FORMATTERS = /^(mkfs(\..+)?|mke2fs|mkdosfs|mkntfs|mkexfatfs|mkfs_\w+|newfs(_\w+)?)$/;

export function formatFilesystem(inv: Invocation): Refusal | undefined {
  if (!FORMATTERS.test(inv.name)) return undefined;
  return {
    rule: "format-filesystem",
    message: `${inv.name} formats a filesystem, erasing what is on it`,
  };
}

/** Programs that wipe when one of their arguments matches (undefined: always). */
const WIPERS: Record<string, RegExp | undefined> = {
  wipefs: undefined,
  blkdiscard: undefined,
  diskutil: /^(erase|zero|random|secureErase|partitionDisk|reformat|deleteContainer|deleteVolume)/i,
  sgdisk: /^(-[a-zA-Z]*[Zzo][a-zA-Z]*|--zap-all|--zap|--clear)$/,
  parted: /^(mklabel|mktable|rm)$/,
  sfdisk: /^--delete$/,
  nvme: /^(format|sanitize)$/,
  hdparm: /^--(security-erase|security-erase-enhanced|trim-sector-ranges|write-sector)$/,
  cryptsetup: /^(luksFormat|erase|luksErase)$/,
  zpool: /^(destroy|labelclear)$/,
  zfs: /^destroy$/,
  lvremove: undefined,
  vgremove: undefined,
  pvremove: undefined,
};

export function wipeDisk(inv: Invocation): Refusal | undefined {
  if (!Object.hasOwn(WIPERS, inv.name)) return undefined;
  const args = inv.argv.slice(1);
  const when = WIPERS[inv.name];
  if (when && !args.some((a) => when.test(a))) return undefined;
  return {
    rule: "wipe-disk",
    message: `${inv.name} ${args.join(" ")} wipes disks, partitions or volumes`.replace(/ +/g, " "),
  };
}

/** parted commands (and their arguments) that only show: print, unit, align-check, help... */
const PARTED_READS =
  /^(p|print|free|all|list|devices|unit|s|B|[kMGT]i?B|%|cyl|chs|compact|help|align-check|min|minimal|opt|optimal|version|quit|q|\d+)$/;
/** sgdisk options that write nothing to the disk (print, verify, info, backup to a file...). */
const SGDISK_READS =
  /^(-[pvOLPDEfFiba?]+|--(print|verify|print-mbr|list-types|pretend|display-alignment|end-of-largest|first-in-largest|first-aligned-in-largest|info|backup|set-alignment|help|usage|version)(=.*)?)$/;

/**
 * Whether a partitioning tool, as called, only reads: fdisk -l, sfdisk --dump, parted DEV print,
 * sgdisk --print... Without a command they are interactive and read their edits from stdin.
 */
function onlyReads(name: string, args: string[], operands: string[], device: number): boolean {
  const has = (re: RegExp) => args.some((a) => re.test(a));
  switch (name) {
    case "fdisk":
    case "gdisk":
      return has(/^(-[a-zA-Z]*[lxsv][a-zA-Z]*|--(list|list-details|getsz|version|help))$/);
    case "cfdisk":
      return has(/^(-[a-zA-Z]*r[a-zA-Z]*|--read-only|--version|--help)$/);
    case "sfdisk":
      return (
        has(
          /^(-[a-zA-Z]*[ldJsgFVn][a-zA-Z]*|--(list|dump|json|show-size|show-geometry|list-free|list-types|verify|no-act|version|help))$/,
        ) ||
        // --part-type DEV N (no new value) prints the type
        (has(/^--part-(type|uuid|label|attrs)$/) && operands.length <= 2)
      );
    case "parted": {
      if (has(/^(-[a-zA-Z]*[lhv][a-zA-Z]*|--(list|help|version))$/)) return true;
      const commands = operands.slice(device + 1);
      return commands.length > 0 && commands.every((c) => PARTED_READS.test(c));
    }
    case "sgdisk":
      return args.filter((a) => a.startsWith("-")).every((a) => SGDISK_READS.test(a));
    default:
      return false; // cgdisk: interactive only
  }
}

const PARTITIONERS = new Set(["fdisk", "sfdisk", "cfdisk", "gdisk", "cgdisk", "sgdisk", "parted"]);

/** fdisk, sfdisk, gdisk, parted... on a disk device rewrite its partition table, unless they only read. */
export function partitionTable(inv: Invocation): Refusal | undefined {
  if (!PARTITIONERS.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  // Option values count as operands here: a value mistaken for an operand hides no device.
  const operands = parseArgs(args).operands;
  const at = operands.findIndex((o) => resolvePaths(o, inv.cwd).some(isBlockDevice));
  if (at < 0 || onlyReads(inv.name, args, operands, at)) return undefined;
  const device = resolvePaths(operands[at] as string, inv.cwd).find(isBlockDevice);
  return {
    rule: "partition-table",
    message: `${inv.name} ${args.join(" ")} rewrites the partition table of ${device}, losing what is on it`,
  };
}

const REMOVERS = new Set(["rm", "unlink", "shred", "srm"]);

export function accountFiles(inv: Invocation): Refusal | undefined {
  const touched = REMOVERS.has(inv.name)
    ? parseArgs(inv.argv.slice(1)).operands.flatMap((t) => resolvePaths(t, inv.cwd))
    : writeTargets(inv);
  const file = touched.find(isAccountFile);
  if (!file) return undefined;
  return {
    rule: "account-files",
    message: `overwriting or removing ${normalise(file)} can lock every user out`,
  };
}
