// Rules on disks and key files: writes to block devices, formatting, wiping, account databases.
import type { Invocation } from "../routing/analysis.ts";
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
