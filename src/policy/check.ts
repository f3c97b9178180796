// The policy's entry points: analyse a command, apply the dangerous-command rules and the node's
// allow/deny rules; refuse unparseable or over-complex input rather than run it blindly.
import type { Analysis } from "../shell/analysis.ts";
import { TooComplexError } from "../shell/analysis.ts";
import { analyzeCommand } from "../shell/analyze.ts";
import { ShellSyntaxError } from "../shell/parse.ts";
import { findDanger } from "./dangerous.ts";
import { checkNodeRules, type NodeRules } from "./rules.ts";
import { ALLOWED, type PolicyVerdict } from "./types.ts";

/** The verdict on a command line, with its analysis when it could be analysed (routing reads it). */
export interface PolicyCheck {
  verdict: PolicyVerdict;
  analysis?: Analysis;
}

/**
 * The policy's entry: analyse the line, apply the dangerous-command rules, then the node's
 * allow/deny rules when a node is given. Unparseable or over-complex input is refused.
 */
export function checkCommand(command: string, node?: NodeRules): PolicyCheck {
  const analyzed = analyzeOrRefuse(command);
  if ("refused" in analyzed) return { verdict: analyzed.refused };
  const { analysis } = analyzed;
  const danger = findDanger(analysis);
  const verdict = !danger.allowed || !node ? danger : (checkNodeRules(analysis, node) ?? ALLOWED);
  return { verdict, analysis };
}

function analyzeOrRefuse(
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
