// The policy's entry points: analyse a command where it runs, apply the dangerous-command rules
// (with the protected-paths table) and the node's allow/deny rules; refuse unparseable or
// over-complex input rather than run it blindly.
import type { Analysis } from "../shell/analysis.ts";
import { TooComplexError } from "../shell/analysis.ts";
import { analyzeCommand } from "../shell/analyze.ts";
import { ShellSyntaxError } from "../shell/parse.ts";
import { findDanger } from "./dangerous.ts";
import { protectedPaths } from "./protected.ts";
import { checkNodeRules, type NodeRules } from "./rules.ts";
import { ALLOWED, type PolicyVerdict } from "./types.ts";

export interface PolicyContext {
  /**
   * The directories the command may start in: absolute, or `~`-relative for a remote node's home
   * (the default directory of a remote run). Unknown when absent: then `rm -rf *` is unresolved.
   */
  cwd?: readonly string[];
  /** The `protected_paths` setting; `@default` (the built-in list) when absent. */
  protectedPaths?: readonly string[];
  /** Apply this node's allow/deny rules (and its waivers) too. */
  node?: NodeRules;
}

/** The verdict on a command line, with its analysis when it could be analysed (routing reads it). */
export interface PolicyCheck {
  verdict: PolicyVerdict;
  analysis?: Analysis;
  /**
   * The refusal comes from a rule a node may waive (containers): routing judges each node with
   * nodeVerdict instead of refusing outright.
   */
  waivable?: PolicyVerdict & { allowed: false };
}

/**
 * The policy's entry: analyse the line, apply the dangerous-command rules, then the node's
 * allow/deny rules when a node is given. Unparseable or over-complex input is refused.
 */
export function checkCommand(command: string, context: PolicyContext = {}): PolicyCheck {
  const analyzed = analyzeOrRefuse(command, context.cwd);
  if ("refused" in analyzed) return { verdict: analyzed.refused };
  const { analysis } = analyzed;
  const danger = findDanger(analysis, {
    table: protectedPaths(context.protectedPaths),
    links: analysis.links,
  });
  if (danger && !danger.waivable)
    return { verdict: { allowed: false, rule: danger.rule, message: danger.message }, analysis };
  const waivable = danger
    ? ({ allowed: false, rule: danger.rule, message: danger.message } as const)
    : undefined;
  if (!context.node)
    return waivable ? { verdict: waivable, analysis, waivable } : { verdict: ALLOWED, analysis };
  return {
    verdict: nodeVerdict(
      { verdict: ALLOWED, analysis, ...(waivable ? { waivable } : {}) },
      context.node,
    ),
    analysis,
  };
}

/** A checked command on one node: its waivable refusal unless the node waives it, then its rules. */
export function nodeVerdict(check: PolicyCheck, node: NodeRules): PolicyVerdict {
  if (!check.analysis) return check.verdict;
  return checkNodeRules(check.analysis, node, check.waivable);
}

function analyzeOrRefuse(
  command: string,
  cwd: readonly string[] | undefined,
): { analysis: Analysis } | { refused: PolicyVerdict & { allowed: false } } {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL byte is what is looked for
  const nul = command.search(/\x00/);
  if (nul >= 0)
    return {
      refused: {
        allowed: false,
        rule: "unparseable",
        message: `the command holds a NUL byte at position ${nul}, which no shell can be given; refused rather than run cut short`,
      },
    };
  try {
    return { analysis: analyzeCommand(command, cwd ? { cwd } : {}) };
  } catch (err) {
    if (err instanceof ShellSyntaxError)
      return {
        refused: {
          allowed: false,
          rule: "unparseable",
          message: `${err.message}; refused rather than run blindly`,
        },
      };
    if (err instanceof TooComplexError)
      return {
        refused: {
          allowed: false,
          rule: "too-complex",
          message: `command too complex to check: ${err.message}`,
        },
      };
    throw err;
  }
}
