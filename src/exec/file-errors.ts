// The one way a failed file operation on a node is told: which node and path, what was being
// done, and the failure in words (FILE_NOT_FOUND for a missing file, else FILE_FAILED).
import { ClusterError } from "../errors.ts";
import type { FileOpError } from "./file-ops.ts";

const WORDS: Record<string, string> = {
  not_found: "no such file or directory",
  permission: "permission denied",
  exists: "already exists",
  no_space: "no space left on the device",
  not_directory: "a path component is not a directory",
  is_directory: "is a directory",
  unsupported: "not supported by the node's file service",
  connection: "the connection was lost",
  failure: "failed",
};

export function fileError(node: string, err: unknown, doing: string, path: string): ClusterError {
  if (err instanceof ClusterError) return err;
  const e = err as Partial<FileOpError>;
  const failure = e?.failure ?? "failure";
  const code = failure === "not_found" ? "FILE_NOT_FOUND" : "FILE_FAILED";
  const detail = e?.message && e.message !== WORDS[failure] ? ` (${e.message})` : "";
  return new ClusterError(
    code,
    `${where(node, path)}: could not ${doing} it: ${WORDS[failure]}${detail}`,
    { reason: failure },
  );
}

export function where(node: string, path: string): string {
  return `${node}:${path}`;
}
