// Per-node allow/deny rules: command-word globs from the node's configuration. With `allow` set
// the node is deny-by-default: every program the command runs must match an allow glob.
import type { NodeConfig } from "../config/load.ts";
import type { Analysis, Invocation } from "../shell/analysis.ts";
import { globToRegExp } from "../shell/glob.ts";
import { ALLOWED, type PolicyVerdict } from "./types.ts";

export type NodeRules = Pick<NodeConfig, "name" | "allow" | "deny">;

/**
 * Builtins that run no program and change nothing outside the shell: `allow = ["make"]` should
 * still permit `cd build && make`.
 */
const INERT_BUILTINS = new Set([
  "cd",
  "pushd",
  "popd",
  "pwd",
  "true",
  "false",
  ":",
  "echo",
  "printf",
  "test",
  "[",
  "export",
  "unset",
  "set",
  "shift",
  "exit",
  "return",
  "local",
  "declare",
  "readonly",
  "typeset",
  "read",
  "wait",
]);

/** `rule:NAME` in a node's allow list waives that (waivable) rule there. */
const WAIVER = "rule:";

/**
 * The node's own rules on an analysed command. `pending`: a refusal by a rule the node may waive
 * (containers), which stands unless its allow list has `rule:NAME` (globs allowed).
 */
export function checkNodeRules(
  analysis: Analysis,
  node: NodeRules,
  pending?: PolicyVerdict & { allowed: false },
): PolicyVerdict {
  const given = node.allow;
  const waives = (rule: string) =>
    given?.some((g) => g.startsWith(WAIVER) && matches(g.slice(WAIVER.length), rule)) ?? false;
  if (pending && !waives(pending.rule)) return pending;
  const { deny } = node;
  if (!given?.length && !deny?.length) return ALLOWED;
  // Only command-word globs make a node deny-by-default; waivers alone do not.
  const allow = given?.some((g) => g.startsWith(WAIVER))
    ? given.filter((g) => !g.startsWith(WAIVER))
    : given;
  if (!allow?.length && !deny?.length) return ALLOWED;
  const functions = new Set(analysis.functions);
  for (const inv of analysis.invocations) {
    for (const word of commandWords(inv)) {
      const denied = deny?.find((glob) => matches(glob, word));
      if (denied)
        return refusal(
          node,
          `deny`,
          denied,
          `${word} matches deny rule "${denied}" of node ${node.name}`,
        );
    }
    if (!allow?.length) continue;
    if (inv.dynamicName)
      return refusal(
        node,
        "allow",
        "*",
        `node ${node.name} only allows listed commands, and the command word of "${inv.source}" is not known before it runs`,
      );
    for (const word of commandWords(inv)) {
      if (INERT_BUILTINS.has(word) || functions.has(word)) continue;
      if (!allow.some((glob) => matches(glob, word)))
        return refusal(
          node,
          "allow",
          allow.join(","),
          `${word} is not in the allow list of node ${node.name} (${allow.join(", ")})`,
        );
    }
  }
  return ALLOWED;
}

/** The programs an invocation runs: the wrappers taken off it (sudo, bash...) and the command. */
function commandWords(inv: Invocation): string[] {
  return inv.name ? [...inv.wrappers, inv.name] : inv.wrappers;
}

function matches(glob: string, word: string): boolean {
  return globToRegExp(glob).test(word);
}

function refusal(
  node: NodeRules,
  kind: "allow" | "deny",
  glob: string,
  message: string,
): PolicyVerdict {
  return {
    allowed: false,
    rule: `nodes.${node.name}.${kind}${kind === "deny" ? `:${glob}` : ""}`,
    message,
  };
}
