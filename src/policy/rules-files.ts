// Rules on file trees: recursive delete, find -delete, chmod/chown -R and mv of protected paths.
import type { Invocation } from "../shell/analysis.ts";
import { findArgs } from "../shell/feeders.ts";
import { parseArgs } from "./args.ts";
import { protectedReason, resolvePaths } from "./paths.ts";
import type { Refusal } from "./types.ts";

/** The first operand (after resolving against known working directories) that is protected. */
function protectedOperand(
  inv: Invocation,
  operands: string[],
): { path: string; reason: string } | undefined {
  for (const operand of operands) {
    // An unset variable expanded to nothing: `rm -rf $DIR/` is `rm -rf /`.
    for (const path of resolvePaths(operand, inv.cwd)) {
      const reason = protectedReason(path);
      if (reason) return { path, reason };
    }
  }
  return undefined;
}

const DELETERS = new Set(["rm", "srm", "grm"]);

export function recursiveDelete(inv: Invocation): Refusal | undefined {
  if (DELETERS.has(inv.name)) {
    const args = parseArgs(inv.argv.slice(1));
    // Paths fed by xargs or find -exec stand for every file below them: recursive in effect.
    const fedPaths = inv.wrappers.includes("xargs") || inv.wrappers.includes("find");
    const recursive =
      args.short.has("r") || args.short.has("R") || args.long.has("--recursive") || fedPaths;
    const hit = recursive ? protectedOperand(inv, args.operands) : undefined;
    if (hit)
      return { rule: "recursive-delete", message: `${inv.name} -r would delete ${hit.reason}` };
  }
  if (inv.name === "rsync") {
    const args = parseArgs(inv.argv.slice(1), "efT");
    const deletes = [...args.long].some(
      (l) => l.startsWith("--delete") || l === "--remove-source-files",
    );
    const dest = args.operands.at(-1);
    const hit =
      deletes && dest !== undefined && args.operands.length > 1
        ? protectedOperand(inv, [dest])
        : undefined;
    if (hit)
      return {
        rule: "recursive-delete",
        message: `rsync --delete into ${hit.reason} would delete what is there`,
      };
  }
  return undefined;
}

const ROOT_GUARDED = new Set(["rm", "chmod", "chown", "chgrp"]);

export function noPreserveRoot(inv: Invocation): Refusal | undefined {
  if (!ROOT_GUARDED.has(inv.name)) return undefined;
  if (!parseArgs(inv.argv.slice(1)).long.has("--no-preserve-root")) return undefined;
  return {
    rule: "no-preserve-root",
    message: `${inv.name} --no-preserve-root switches off the guard against acting on /`,
  };
}

const FIND_DELETERS = new Set(["rm", "srm", "shred", "unlink"]);

export function findDelete(inv: Invocation): Refusal | undefined {
  if (inv.name !== "find") return undefined;
  const args = inv.argv.slice(1);
  const { roots, expression: start } = findArgs(args);
  const expression = args.slice(start);
  const deletes =
    expression.includes("-delete") ||
    expression.some(
      (a, k) =>
        /^-(exec|execdir|ok|okdir)$/.test(a) &&
        FIND_DELETERS.has((expression[k + 1] ?? "").split("/").pop() ?? ""),
    );
  if (!deletes) return undefined;
  const hit = protectedOperand(inv, roots);
  if (!hit) return undefined;
  return {
    rule: "find-delete",
    message: `find with -delete or -exec rm would delete files in ${hit.reason}`,
  };
}

const RE_PERMISSIONS = new Set(["chmod", "chown", "chgrp", "chattr"]);

/** chmod/chown/chgrp/chattr: the first operand is the mode, owner or attributes (unless --reference). */
export function recursivePermissions(inv: Invocation): Refusal | undefined {
  if (!RE_PERMISSIONS.has(inv.name)) return undefined;
  const raw = inv.argv.slice(1);
  // chmod modes may start with "-" (chmod -x f): only known option letters make an option group.
  const options = raw.filter((a) => /^-[RvcfhHLP]+$/.test(a) || a.startsWith("--"));
  const rest = raw.filter((a) => !options.includes(a) && a !== "--");
  const recursive = options.some(
    (a) => a === "--recursive" || (!a.startsWith("--") && a.includes("R")),
  );
  if (!recursive) return undefined;
  const targets = options.some((a) => a.startsWith("--reference")) ? rest : rest.slice(1);
  const hit = protectedOperand(inv, targets);
  if (!hit) return undefined;
  return {
    rule: "recursive-permissions",
    message: `${inv.name} -R on ${hit.reason} breaks the system's permissions`,
  };
}

export function moveSystemPath(inv: Invocation): Refusal | undefined {
  if (inv.name !== "mv") return undefined;
  const args = parseArgs(inv.argv.slice(1), "tS");
  const target =
    args.short.has("t") || [...args.long].some((l) => l.startsWith("--target-directory"));
  const sources = target ? args.operands : args.operands.slice(0, -1);
  const hit = protectedOperand(inv, sources);
  if (!hit) return undefined;
  return { rule: "move-system-path", message: `mv would move away ${hit.reason}` };
}
