// Rules on disks: writes to block devices (whatever the writer), formatting, wiping and
// repartitioning a disk (not an image file), and a disk filled to the brim.
import type { Invocation } from "../shell/analysis.ts";
import { parseArgs } from "./args.ts";
import { isBlockDevice, resolveOperand } from "./paths.ts";
import { type RuleContext, WRITE_IT_OUT } from "./targets.ts";
import type { Refusal } from "./types.ts";
import { writeTargets } from "./writers.ts";

/** Programs whose whole job is raw writes: a target they cannot name is refused. */
const RAW_WRITERS = new Set([
  "dd",
  "dcfldd",
  "ddrescue",
  "shred",
  "gshred",
  "badblocks",
  "mkswap",
  "wipefs",
  "blkdiscard",
]);

export function blockDeviceWrite(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  for (const w of writeTargets(inv)) {
    const device = resolveOperand(inv, w.path, ctx.links).find(isBlockDevice);
    if (device) {
      const how = inv.name ? `${inv.name} writing to` : "redirecting output to";
      return {
        rule: "block-device-write",
        message: `${how} the block device ${device} destroys its data`,
      };
    }
    const info = w.index === undefined ? undefined : inv.args[w.index];
    if (info?.dynamic && RAW_WRITERS.has(inv.name))
      return {
        rule: "unresolved",
        message: `${inv.name} writes raw data to ${w.path || "a target"}${info.origin ? ` (from ${info.origin})` : ""}, which is not known before it runs and may be a disk; ${WRITE_IT_OUT}`,
      };
  }
  return undefined;
}

const FORMATTERS = /^(mkfs(\..+)?|mke2fs|mkdosfs|mkntfs|mkexfatfs|mkfs_\w+|newfs(_\w+)?|mkswap)$/;

/** The device operand of a disk tool: a block device, macOS `disk2s1`, or an unknown value. */
function deviceOperand(
  inv: Invocation,
  ctx: RuleContext,
  valued = "",
): { device?: string; unknown?: string } {
  const args = parseArgs(inv.argv.slice(1), valued);
  for (const i of args.operandIndex) {
    const text = inv.argv[i + 1] ?? "";
    const info = inv.args[i + 1];
    if (info?.dynamic && (text === "" || text.startsWith("/dev/")))
      return { unknown: info.origin ?? (text || "an argument") };
    if (/^r?disk\d+(s\d+)?$/.test(text)) return { device: text };
    const device = resolveOperand(inv, text, ctx.links).find(isBlockDevice);
    if (device) return { device };
  }
  return {};
}

export function formatFilesystem(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!FORMATTERS.test(inv.name)) return undefined;
  const { device, unknown } = deviceOperand(inv, ctx, "tbBCEgGiIJLmMNoOrTUcdeLl");
  if (device)
    return {
      rule: "format-filesystem",
      message: `${inv.name} formats ${device}, erasing what is on it`,
    };
  if (unknown)
    return {
      rule: "unresolved",
      message: `${inv.name} formats ${unknown}, which is not known before it runs and may be a disk; ${WRITE_IT_OUT}`,
    };
  return undefined; // an image file: mkfs.ext4 -F disk.img
}

/** Programs that wipe when one of their arguments matches; `device`: only when given a disk. */
const WIPERS: Record<string, { when?: RegExp; device?: boolean }> = {
  wipefs: { device: true },
  blkdiscard: { device: true },
  diskutil: {
    when: /^(erase|zero|random|secureErase|partitionDisk|reformat|deleteContainer|deleteVolume)/i,
  },
  sgdisk: { when: /^(-[a-zA-Z]*[Zzo][a-zA-Z]*|--zap-all|--zap|--clear)$/, device: true },
  parted: { when: /^(mklabel|mktable|rm)$/, device: true },
  sfdisk: { when: /^--delete$/, device: true },
  nvme: { when: /^(format|sanitize)$/ },
  hdparm: { when: /^--(security-erase|security-erase-enhanced|trim-sector-ranges|write-sector)$/ },
  cryptsetup: { when: /^(luksFormat|erase|luksErase)$/ },
  zpool: { when: /^(destroy|labelclear)$/ },
  zfs: { when: /^destroy$/ },
  mdadm: { when: /^(--zero-superblock|--kill-subarray|--remove|--fail)$/ },
  lvremove: {},
  vgremove: {},
  pvremove: {},
};

export function wipeDisk(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  const spec = Object.hasOwn(WIPERS, inv.name) ? WIPERS[inv.name] : undefined;
  if (!spec) return undefined;
  const args = inv.argv.slice(1);
  if (spec.when && !args.some((a) => spec.when?.test(a))) return undefined;
  if (spec.device) {
    const { device, unknown } = deviceOperand(inv, ctx);
    if (unknown && !device)
      return {
        rule: "unresolved",
        message: `${inv.name} would wipe ${unknown}, which is not known before it runs; ${WRITE_IT_OUT}`,
      };
    if (!device) return undefined; // an image file
  }
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
export function partitionTable(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!PARTITIONERS.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  // Option values count as operands here: a value mistaken for an operand hides no device.
  const operands = parseArgs(args).operands;
  const at = operands.findIndex((o) => resolveOperand(inv, o, ctx.links).some(isBlockDevice));
  if (at < 0 || onlyReads(inv.name, args, operands, at)) return undefined;
  const device = resolveOperand(inv, operands[at] as string, ctx.links).find(isBlockDevice);
  return {
    rule: "partition-table",
    message: `${inv.name} ${args.join(" ")} rewrites the partition table of ${device}, losing what is on it`,
  };
}

const ENDLESS = /^if=\/dev\/(zero|u?random|full)$/;

/** dd from /dev/zero or /dev/urandom without count=: it writes until the disk is full. */
export function fillDisk(inv: Invocation): Refusal | undefined {
  if (inv.name !== "dd" && inv.name !== "dcfldd") return undefined;
  const args = inv.argv.slice(1);
  const of = args.find((a) => a.startsWith("of="))?.slice(3);
  if (
    !args.some((a) => ENDLESS.test(a)) ||
    args.some((a) => /^count=/.test(a)) ||
    !of ||
    of === "/dev/null"
  )
    return undefined;
  return {
    rule: "fill-disk",
    message: `${inv.name} without count= from an endless source writes ${of} until the disk is full`,
  };
}
