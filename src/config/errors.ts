// A rejected configuration: every bad value with the key (or variable) that set it, the bad value
// and what was expected, in one CONFIG_INVALID error.
import type { z } from "zod";
import { ClusterError } from "../errors.ts";

export function configError(
  issues: z.core.$ZodIssue[],
  origin: Map<string, string>,
  where: string,
): ClusterError {
  const lines = issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const base = issue.path.join(".");
      return issue.keys
        .map(
          (k) =>
            `${base ? `${base}.` : ""}${k} in ${where}: unknown key (check the spelling; see README configuration table)`,
        )
        .join("\n");
    }
    const dotted = issue.path.join(".");
    const name = origin.get(dotted) ?? `${dotted} in ${where}`;
    // A bad record key (a node name): the key schema's own message says what was expected.
    const message =
      (issue.code === "invalid_key" ? issue.issues[0]?.message : undefined) ?? issue.message;
    const got =
      "input" in issue && issue.input !== undefined ? `got ${JSON.stringify(issue.input)}, ` : "";
    return `${name}: ${got}${message.replace(/^Invalid input: /, "")}`;
  });
  return new ClusterError("CONFIG_INVALID", `invalid configuration:\n  ${lines.join("\n  ")}`, {
    issues: lines,
  });
}
