// Entry point of command analysis: parse as shell, then walk into the programs it runs.
import type { Analysis } from "./analysis.ts";
import { parseShell } from "./parse.ts";
import { analyzeScript, type WalkOptions } from "./walk.ts";

/** Throws ShellSyntaxError (not valid shell) or TooComplexError (too convoluted to follow). */
export function analyzeCommand(command: string, options: WalkOptions = {}): Analysis {
  return analyzeScript(parseShell(command), command, options);
}
