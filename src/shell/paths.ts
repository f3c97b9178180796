// Lexical path arithmetic shared by the walk and the policy: `.`/`..`/`//` resolved without the
// filesystem, `~` kept as the home marker (the home of the user a command runs as, on its node).
import { UNKNOWN_DIR } from "./analysis.ts";

/**
 * Lexical normal form. `~` stays a marker, and `..` above it is kept (`~/..` is the directory the
 * homes are in, whatever its name); `..` above `/` is `/`; a relative path keeps leading `..`.
 * `~root` is /root; any other `~user` is taken as a home like `~`.
 */
export function normalisePath(path: string): string {
  let head = "";
  let rest = path;
  if (path.startsWith("/")) head = "/";
  else if (path.startsWith("~")) {
    const slash = path.indexOf("/");
    const user = slash < 0 ? path.slice(1) : path.slice(1, slash);
    head = user === "root" ? "/root/" : "~/";
    rest = slash < 0 ? "" : path.slice(slash);
  }
  const parts: string[] = [];
  for (const part of rest.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
    else if (head !== "/") parts.push(".."); // ~/.. and relative ../ are kept
  }
  const joined = head + parts.join("/");
  if (joined === "") return ".";
  return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

export function isAnchored(path: string): boolean {
  return path.startsWith("/") || path.startsWith("~");
}

/**
 * PATH as seen from the directory DIR: anchored paths as they are, relative ones joined to DIR.
 * A relative path in an unknown directory stays relative (the policy judges what it could be).
 */
export function resolveIn(path: string, dir: string): string {
  if (isAnchored(path)) return normalisePath(path);
  if (dir === UNKNOWN_DIR || !isAnchored(dir)) return normalisePath(path);
  return normalisePath(`${dir}/${path}`);
}

/** Every distinct resolution of PATH against the possible directories. */
export function resolveAll(path: string, dirs: readonly string[]): string[] {
  if (isAnchored(path)) return [normalisePath(path)];
  const out: string[] = [];
  for (const d of dirs) {
    const p = resolveIn(path, d);
    if (!out.includes(p)) out.push(p);
  }
  return out.length > 0 ? out : [normalisePath(path)];
}
