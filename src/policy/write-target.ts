// Where put_file (and `copy` to a node) may write: never a protected path (the protected_paths
// setting, the command policy's table), a login file (passwd, sudoers, PAM, authorized_keys...), a
// disk, a system tree (programs, libraries, configuration, the kernel's files) or an SSH
// directory. Pure: the caller resolves the path on the node first (home, symlinked parents).
import { normalisePath } from "../shell/paths.ts";
import { isBlockDevice, isLoginFile } from "./paths.ts";
import { protectedPaths } from "./protected.ts";
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
 * The verdict on writing the file at each of `paths` (absolute or `~/...`: the path as written and
 * where it resolves on the node). `protectedList` is the protected_paths setting.
 */
export function checkWriteTarget(
  paths: readonly string[],
  protectedList: readonly string[] = ["@default"],
): PolicyVerdict {
  for (const raw of paths) {
    const refusal = judge(normalisePath(raw), protectedList);
    if (refusal) return { allowed: false, ...refusal };
  }
  return ALLOWED;
}

function judge(
  path: string,
  list: readonly string[],
): { rule: string; message: string } | undefined {
  if (isLoginFile(path))
    return {
      rule: "account-files",
      message: `writing ${path} can lock every user out (or let anyone in): it is a login or account file`,
    };
  if (isBlockDevice(path))
    return { rule: "block-device-write", message: `${path} is a disk or kernel memory` };
  const whole = protectedPaths(list).reason(path);
  if (whole)
    return { rule: "protected-path", message: `writing ${path} would replace ${whole.reason}` };
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
