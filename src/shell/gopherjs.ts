// Reading the raw GopherJS structs behind mvdan-sh's nodes. Its public wrappers convert every
// field access (6-16 µs each, ~280 µs per command); the structs are plain objects (~1 µs).
// Layout (GopherJS 1.x): a node is an object whose constructor.string is "*syntax.Name"; a nil
// pointer is its type's `nil` object; a nil interface has no constructor.string; a slice is
// {$array, $offset, $length}; a Pos is {offs}; strings hold UTF-8 bytes, one per char.

export type Raw = { readonly constructor: { string?: string; nil?: unknown } } & Record<
  string,
  unknown
>;

/** "CallExpr" for a node, undefined for nil or non-nodes. */
export function kindOf(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const ctor = (value as Raw).constructor;
  const name = ctor?.string;
  if (typeof name !== "string" || !name.startsWith("*syntax.") || ctor.nil === value)
    return undefined;
  return name.slice(8);
}

export function node(parent: Raw, key: string): Raw | undefined {
  const value = parent[key];
  return kindOf(value) ? (value as Raw) : undefined;
}

export function nodes(parent: Raw, key: string): Raw[] {
  const s = parent[key] as { $array?: Raw[]; $offset: number; $length: number } | undefined;
  if (!s?.$array || s.$length === 0) return [];
  return s.$array.slice(s.$offset, s.$offset + s.$length);
}

const utf8 = new TextDecoder();

export function text(parent: Raw, key: string): string {
  const value = parent[key];
  if (typeof value !== "string") return "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for bytes beyond ASCII
  if (!/[^\x00-\x7f]/.test(value)) return value;
  return utf8.decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
}

export function num(parent: Raw, key: string): number {
  return Number(parent[key] ?? 0);
}

export function flag(parent: Raw, key: string): boolean {
  return parent[key] === true;
}

/** Byte offset of a Pos field. */
export function offset(parent: Raw, key: string): number {
  return (parent[key] as { offs?: number } | undefined)?.offs ?? 0;
}

/** Every node below `root` (not descending into nodes `stop` accepts). */
export function forEachNode(root: Raw, visit: (n: Raw, kind: string) => boolean): void {
  for (const key of Object.keys(root)) {
    if (key === "$val") continue;
    const value = root[key];
    if (!value || typeof value !== "object") continue;
    const children = "$array" in value ? nodes(root, key) : kindOf(value) ? [value as Raw] : [];
    for (const child of children) {
      const kind = kindOf(child);
      if (kind && visit(child, kind)) forEachNode(child, visit);
    }
  }
}
