// Rules on deleting and moving trees: rm -r, rsync --delete, find -delete, rm/unlink/shred of a
// protected path (no -r needed for `rm -f /usr/bin/*`), mv of a protected path, --no-preserve-root.
import type { Invocation } from "../shell/analysis.ts";
import { findTargets } from "../shell/feeders.ts";
import { isRemote } from "../shell/files.ts";
import { LONGS, parseArgs } from "./args.ts";
import { resolveOperand } from "./paths.ts";
import { judgeTargets, type RuleContext, type TargetHit, WRITE_IT_OUT } from "./targets.ts";
import type { Refusal } from "./types.ts";

const DELETERS = new Set([
  "rm",
  "srm",
  "grm",
  "unlink",
  "shred",
  "gshred",
  "trash",
  "trash-put",
  "rimraf",
]);

/** The refusal for a target hit: RULE for a protected path, `unresolved` for an unknown one. */
export function targetRefusal(
  hit: TargetHit,
  rule: string,
  doing: string,
  _inv: Invocation,
): Refusal {
  if (hit.kind === "protected") return { rule, message: `${doing} ${hit.protection.reason}` };
  return {
    rule: "unresolved",
    message: `${doing} ${hit.operand} ${hit.why}: it could be a system directory; ${WRITE_IT_OUT}`,
  };
}

/** Operand indices in argv of an invocation (parseArgs runs on argv without argv[0]). */
export function operandIndices(indices: number[]): number[] {
  return indices.map((i) => i + 1);
}

function fed(inv: Invocation): boolean {
  return (
    inv.wrappers.includes("xargs") ||
    inv.wrappers.includes("find") ||
    inv.wrappers.includes("parallel")
  );
}

export function recursiveDelete(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (DELETERS.has(inv.name)) {
    const args = parseArgs(inv.argv.slice(1), {
      longs: LONGS.rm,
      valued: inv.name.endsWith("shred") ? "ns" : "",
    });
    // Known paths fed by xargs or find -exec stand for every file below them: recursive in effect.
    const recursive =
      args.short.has("r") ||
      args.short.has("R") ||
      args.long.has("--recursive") ||
      inv.name === "rimraf";
    const indices = operandIndices(args.operandIndex);
    const feeds = fed(inv) && indices.some((i) => !inv.args[i]?.dynamic);
    if (recursive || feeds) {
      const hit = judgeTargets(inv, ctx, indices, recursive);
      if (hit) return targetRefusal(hit, "recursive-delete", `${inv.name} -r would delete`, inv);
    }
    return undefined;
  }
  if (inv.name === "rsync") {
    const args = parseArgs(inv.argv.slice(1), { valued: "efT", longs: LONGS.rsync });
    const deletes = [...args.long].some((l) => l.startsWith("--del"));
    const last = args.operandIndex.at(-1);
    if (last === undefined || args.operands.length < 2) return undefined;
    // --remove-source-files deletes what it sent: the sources.
    if (args.long.has("--remove-source-files")) {
      const sources = operandIndices(args.operandIndex.slice(0, -1)).filter(
        (i) => !isRemote(inv.argv[i] ?? ""),
      );
      const hit = judgeTargets(inv, ctx, sources, true);
      if (hit)
        return targetRefusal(
          hit,
          "recursive-delete",
          "rsync --remove-source-files would delete",
          inv,
        );
    }
    if (!deletes) return undefined;
    if (isRemote(inv.argv[last + 1] ?? "")) return undefined; // another machine's files
    const hit = judgeTargets(inv, ctx, [last + 1], true);
    if (hit)
      return targetRefusal(hit, "recursive-delete", "rsync --delete would delete what is in", inv);
  }
  return undefined;
}

/** rm, unlink, shred without -r: refused on a protected path or everything in one. */
export function protectedDelete(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!DELETERS.has(inv.name)) return undefined;
  const args = parseArgs(inv.argv.slice(1), {
    longs: LONGS.rm,
    valued: inv.name.endsWith("shred") ? "ns" : "",
  });
  const hit = judgeTargets(inv, ctx, operandIndices(args.operandIndex), false);
  if (hit?.kind !== "protected") return undefined;
  const doing = inv.name.endsWith("shred")
    ? `${inv.name} would overwrite`
    : `${inv.name} would delete`;
  return { rule: "protected-delete", message: `${doing} ${hit.protection.reason}` };
}

const ROOT_GUARDED = new Set(["rm", "chmod", "chown", "chgrp"]);

export function noPreserveRoot(inv: Invocation): Refusal | undefined {
  if (!ROOT_GUARDED.has(inv.name)) return undefined;
  const longs = inv.name === "rm" ? LONGS.rm : inv.name === "chmod" ? LONGS.chmod : LONGS.chown;
  if (!parseArgs(inv.argv.slice(1), { longs }).long.has("--no-preserve-root")) return undefined;
  return {
    rule: "no-preserve-root",
    message: `${inv.name} --no-preserve-root switches off the guard against acting on /`,
  };
}

const FIND_DELETERS = /^(rm|srm|shred|unlink|trash|trash-put)$/;

/**
 * find -delete / -exec rm: the paths it deletes are its roots, or, with a -name filter, the
 * matching files anywhere below them (`find ~ -name '*.o' -delete` spares the home itself).
 */
export function findDelete(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (inv.name !== "find") return undefined;
  const args = inv.argv.slice(1);
  const deletes =
    args.includes("-delete") ||
    args.some(
      (a, k) =>
        /^-(exec|execdir|ok|okdir)$/.test(a) &&
        FIND_DELETERS.test((args[k + 1] ?? "").split("/").pop() ?? ""),
    );
  // Only empty files and directories go: nothing of value is lost (without -o widening it).
  if (!deletes || (args.includes("-empty") && !args.some((a) => a === "-o" || a === "-or")))
    return undefined;
  const { targets, rootIndex } = findTargets(args);
  const synthetic: Invocation = {
    ...inv,
    argv: [inv.argv[0] ?? "find", ...targets],
    args: [
      inv.args[0] ?? { dynamic: false },
      ...rootIndex.map((i) => inv.args[i + 1] ?? { dynamic: false }),
    ],
  };
  const hit = judgeTargets(
    synthetic,
    ctx,
    targets.map((_, k) => k + 1),
    true,
  );
  if (!hit) return undefined;
  return targetRefusal(hit, "find-delete", "find with -delete or -exec rm would delete", inv);
}

export function moveSystemPath(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (inv.name !== "mv" && inv.name !== "gmv") return undefined;
  const args = parseArgs(inv.argv.slice(1), {
    valued: "tS",
    longs: LONGS.cp,
    valuedLong: ["--target-directory", "--suffix"],
  });
  const target = args.short.has("t") || args.long.has("--target-directory");
  const sources = target ? args.operandIndex : args.operandIndex.slice(0, -1);
  const hit = judgeTargets(inv, ctx, operandIndices(sources), false);
  if (hit?.kind !== "protected") return undefined;
  return { rule: "move-system-path", message: `mv would move away ${hit.protection.reason}` };
}

/** Where unpacking an archive overwrites what the system runs (extracting into /usr/local is fine). */
const SYSTEM_TREES = new Set([
  "/",
  "/etc",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib64",
  "/boot",
  "/root",
  "/var",
  "/usr/bin",
  "/usr/sbin",
  "/usr/lib",
]);

/** tar -x / unzip into / or a system tree: any file of the archive replaces a system file. */
export function extractOverSystem(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!/^(g|bsd)?tar$|^unzip$/.test(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  let dir: string | undefined;
  if (inv.name === "tar" || inv.name === "gtar" || inv.name === "bsdtar") {
    const first = args[0] ?? "";
    const extracts =
      /^[a-zA-Z]*x/.test(first) || args.some((a) => /^-[a-zA-Z]*x|^--(extract|get)$/.test(a));
    if (!extracts) return undefined;
    const at = args.findIndex((a) => a === "-C" || a === "--directory");
    dir = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith("--directory="))?.slice(12);
  } else if (inv.name === "unzip") {
    const at = args.indexOf("-d");
    dir = at >= 0 ? args[at + 1] : undefined;
  } else return undefined;
  const targets = dir === undefined ? inv.cwd : resolveOperand(inv, dir, ctx.links);
  const hit = targets.find((t) => SYSTEM_TREES.has(t));
  if (!hit) return undefined;
  return {
    rule: "extract-over-system",
    message: `${inv.name} unpacks into ${hit}: any file of the archive replaces a system file`,
  };
}
