// Protected paths as data: the `protected_paths` setting (the built-in list by default) compiled
// into a matcher. Deleting, moving or re-permissioning a protected path, anything that holds one
// (`/` holds `/usr`), or everything in one (`/usr/bin/*`) wrecks the machine.
import { globToRegExp, hasGlob } from "../shell/glob.ts";
import { normalisePath } from "../shell/paths.ts";

/** Top-level directories of Linux and macOS systems; each and its direct children are protected. */
export const SYSTEM_DIRS = [
  "bin",
  "boot",
  "dev",
  "etc",
  "home",
  "lib",
  "lib32",
  "lib64",
  "libx32",
  "media",
  "mnt",
  "nix",
  "opt",
  "proc",
  "root",
  "run",
  "sbin",
  "snap",
  "srv",
  "sys",
  "usr",
  "var",
  "Applications",
  "Library",
  "System",
  "Users",
  "Volumes",
  "cores",
  "private",
] as const;

/** The built-in list: `/`, each system directory and its children, the home and its keys. */
export const DEFAULT_PROTECTED: readonly string[] = [
  "/",
  ...SYSTEM_DIRS.flatMap((d) => [`/${d}`, `/${d}/*`]),
  // The packages' libraries and every service's state (dpkg, rpm, docker, databases).
  "/usr/lib/*",
  "/usr/lib64/*",
  "/var/lib/*",
  "~",
  "~/.ssh",
  "~/..",
  "~/../*",
];

/** The token of the setting that stands for the built-in list. */
export const DEFAULT_TOKEN = "@default";

export interface Protection {
  reason: string;
  /** In a home (~, /home/u, /root): a filtered find there is an everyday cleanup. */
  home: boolean;
}

interface Entry {
  raw: string;
  parts: string[];
}

export class ProtectedPaths {
  private readonly entries: Entry[];

  constructor(list: readonly string[]) {
    const expanded = list.flatMap((p) => (p === DEFAULT_TOKEN ? DEFAULT_PROTECTED : [p]));
    this.entries = [...new Set(expanded)]
      .filter((p) => p.startsWith("/") || p.startsWith("~"))
      .map((raw) => ({ raw, parts: partsOf(normalisePath(raw)) }));
  }

  /**
   * Why acting on PATH (anchored, normalised) wrecks the machine, or undefined. A glob counts for
   * every path it may match: `/*` holds /usr, `/usr/lib*` may be /usr/lib.
   */
  reason(path: string): Protection | undefined {
    if (!path.startsWith("/") && !path.startsWith("~")) return undefined;
    const p = normalisePath(path);
    const home = /^(~|\/root|\/home\/[^/]+|\/Users\/[^/]+)(\/|$)/.test(p);
    if (p === "/") return { reason: "the whole filesystem (/)", home: false };
    if (p === "~") return { reason: "the home directory (~)", home: true };
    const parts = partsOf(p);
    const above = aboveHome(parts);
    if (above) return { reason: `${p}, ${above}`, home: false };
    // Everything in a protected directory: /*, /usr/bin/*, ~/.*, /etc/.[!.]*
    const last = parts.at(-1) as string;
    if (parts.length > 0 && isBroad(last)) {
      const parent = parts.slice(0, -1);
      const dir = parent.length === 0 ? "/" : join(parent);
      const e =
        parent.length === 0
          ? this.entries.find((x) => x.parts.length === 0)
          : this.entries.find(
              (x) =>
                x.parts.length === parent.length &&
                parent.every((c, k) => overlap(c, x.parts[k] as string)),
            );
      if (e)
        return {
          reason: `everything in ${parent.length === 0 ? "/" : `the protected path ${dir}`} (${p})`,
          home,
        };
    }
    for (const e of this.entries) {
      if (parts.length > e.parts.length) continue;
      if (!parts.every((c, k) => overlap(c, e.parts[k] as string))) continue;
      if (parts.length === e.parts.length)
        return { reason: `the protected path ${p}${p === e.raw ? "" : ` (${e.raw})`}`, home };
      return { reason: `${p}, which holds the protected path ${example(e, parts)}`, home };
    }
    return undefined;
  }
}

function partsOf(p: string): string[] {
  return p === "/" ? [] : p.replace(/^\//, "").split("/");
}

function join(parts: string[]): string {
  if (parts[0] === "~") return parts.join("/");
  return `/${parts.join("/")}`;
}

/** `~/../..` and above: with the home at least one level down, at or near the root. */
function aboveHome(parts: string[]): string | undefined {
  if (parts[0] !== "~") return undefined;
  let ups = 0;
  while (parts[1 + ups] === "..") ups++;
  if (ups < 2) return undefined;
  const rest = parts.length - 1 - ups;
  return rest <= ups ? "at or near the root, above the home directory" : undefined;
}

/** Whether two path components may name the same entry (either may be a glob). */
function overlap(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === "~" || b === "~" || a === ".." || b === "..") return false;
  const ga = hasGlob(a);
  const gb = hasGlob(b);
  if (ga && gb) return true;
  if (ga) return globToRegExp(a).test(b);
  if (gb) return globToRegExp(b).test(a);
  return false;
}

/** A last component that matches (nearly) every name: *, .*, ?*, [!.]*, [a-z]*, *.* */
export function isBroad(component: string): boolean {
  if (!hasGlob(component)) return false;
  const literal = component.replace(/\[[^\]]*\]/g, "").replace(/[*?]/g, "");
  return /^\.{0,2}$/.test(literal);
}

function example(e: Entry, parts: string[]): string {
  // The entry with the path's own (literal) components where they are known.
  const shown = e.parts.map((c, k) =>
    k < parts.length && !hasGlob(parts[k] as string) ? (parts[k] as string) : c,
  );
  return join(shown);
}

const cache = new Map<string, ProtectedPaths>();

/** The compiled table for a setting's list (cached: routing calls this per decision). */
export function protectedPaths(list: readonly string[] = [DEFAULT_TOKEN]): ProtectedPaths {
  const key = list.join("\0");
  let table = cache.get(key);
  if (!table) {
    table = new ProtectedPaths(list);
    if (cache.size > 16) cache.clear();
    cache.set(key, table);
  }
  return table;
}
