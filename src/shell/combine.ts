// Every combination of possible values (a variable may hold several), bounded: beyond a limit each
// value is taken at least once instead of every mix.

const MAX_COMBINATIONS = 64;
const MAX_ALTERNATIVES = 256;

export function combine<T>(lists: T[][]): T[][] {
  const sized = lists.map((l) => (l.length > 0 ? l : []));
  if (sized.some((l) => l.length === 0)) return [];
  const product = sized.reduce((n, l) => n * l.length, 1);
  if (product <= MAX_COMBINATIONS) {
    let out: T[][] = [[]];
    for (const list of sized) out = out.flatMap((prefix) => list.map((item) => [...prefix, item]));
    return out;
  }
  const count = Math.min(MAX_ALTERNATIVES, Math.max(...sized.map((l) => l.length)));
  return Array.from({ length: count }, (_, k) => sized.map((l) => l[k % l.length] as T));
}
