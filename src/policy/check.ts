// The policy's entry points: analyse a command, apply the dangerous-command rules and the node's
// allow/deny rules; refuse unparseable or over-complex input rather than run it blindly.
import { ClusterError } from "../errors.ts";
import type { Analysis } from "../routing/analysis.ts";
import { TooComplexError } from "../routing/analysis.ts";
import { analyzeCommand } from "../routing/analyze.ts";
import { ShellSyntaxError } from "../routing/parse.ts";
import { findDanger } from "./dangerous.ts";
import { checkNodeRules, type NodeRules } from "./rules.ts";
import { ALLOWED, type PolicyVerdict } from "./types.ts";

/** The analysis, or the refusal when the command cannot be analysed. */
export function analyzeOrRefuse(
  command: string,
): { analysis: Analysis } | { refused: PolicyVerdict & { allowed: false } } {
  try {
    return { analysis: analyzeCommand(command) };
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

/** Dangerous-command rules, then the node's rules when a node is given. */
export function checkAnalysis(analysis: Analysis, node?: NodeRules): PolicyVerdict {
  const danger = findDanger(analysis);
  if (!danger.allowed || !node) return danger;
  return checkNodeRules(analysis, node) ?? ALLOWED;
}

export function checkCommand(command: string, node?: NodeRules): PolicyVerdict {
  const result = analyzeOrRefuse(command);
  return "refused" in result ? result.refused : checkAnalysis(result.analysis, node);
}

/** Throws ClusterError POLICY_DENIED (details: rule, node) when the command is refused. */
export function assertCommandAllowed(command: string, node?: NodeRules): void {
  const verdict = checkCommand(command, node);
  if (verdict.allowed) return;
  throw new ClusterError("POLICY_DENIED", `refused by rule ${verdict.rule}: ${verdict.message}`, {
    rule: verdict.rule,
    ...(node ? { node: node.name } : {}),
  });
}
