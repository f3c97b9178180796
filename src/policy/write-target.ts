// Where put_file (and `copy` to a node) may write: never a protected path, an account file, a
// disk, a system tree (programs, libraries, configuration, the kernel's files) or an SSH
// directory. Pure: the caller resolves the path on the node first (home, symlinked parents).
import { isAccountFile, isBlockDevice, normalise, protectedReason } from "./paths.ts";
import { ALLOWED, type PolicyVerdict } from "./types.ts";

/** Trees a file is never written into: replacing anything there changes the machine itself. */
const SYSTEM_TREES = [
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/usr",
  "/etc",
  "/boot",
  "/dev",
  "/proc",
  "/sys",
  "/var/lib",
  "/var/db",
  "/System",
  "/Library",
  "/private/etc",
  "/private/var/db",
];
/** A home's SSH directory: authorized_keys there is a door into the node. */
const SSH_DIR = /^(~|\/root|\/home\/[^/]+|\/Users\/[^/]+)\/\.ssh(\/|$)/;

/**
 * The verdict on writing the file at `path` (absolute or `~/...`). Each given form is judged: the
 * path as written and where it resolves on the node.
 */
export function checkWriteTarget(...paths: string[]): PolicyVerdict {
  for (const raw of paths) {
    const path = normalise(raw);
    const refusal = judge(path);
    if (refusal) return { allowed: false, ...refusal };
  }
  return ALLOWED;
}

function judge(path: string): { rule: string; message: string } | undefined {
  const whole = protectedReason(path);
  if (whole) return { rule: "protected-path", message: `writing ${path} would replace ${whole}` };
  if (isAccountFile(path))
    return { rule: "account-files", message: `writing ${path} would replace an account file` };
  if (isBlockDevice(path))
    return { rule: "block-device-write", message: `${path} is a disk or kernel memory` };
  const tree = SYSTEM_TREES.find((t) => path === t || path.startsWith(`${t}/`));
  if (tree)
    return {
      rule: "system-tree",
      message: `${path} is inside the system tree ${tree} (programs, libraries, configuration); files are not written there`,
    };
  if (SSH_DIR.test(path))
    return {
      rule: "ssh-directory",
      message: `${path} is inside an SSH directory (authorized_keys, keys); files are not written there`,
    };
  return undefined;
}
