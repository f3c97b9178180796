// The working directory as the walk goes: `cd`, `pushd`/`popd`, `env -C`, subshells. A `cd` that
// may fail leaves the old directory possible too (`cd /nowhere; rm -rf *` runs where it started),
// unless its failure is handled: `cd X && …`, `cd X || exit`, `set -e`.
import { UNKNOWN_DIR, type Value } from "./analysis.ts";
import { isAnchored, normalisePath, resolveIn } from "./paths.ts";

/** The directory PATH names from DIR: relative to an unknown directory, it is unknown too. */
export function dirIn(path: string, dir: string): string {
  return isAnchored(path) || dir !== UNKNOWN_DIR ? resolveIn(path, dir) : UNKNOWN_DIR;
}

const MAX_DIRS = 32;

export class Dirs {
  /** Possible current directories. */
  current: string[];
  /** Possible previous directories ($OLDPWD, `cd -`); unknown at the start. */
  private previous: string[] = [UNKNOWN_DIR];
  private readonly stack: string[][] = [];
  /** `set -e`: a failing cd ends the script, so after it only the new directory is possible. */
  errexit = false;
  /** The directories the last command moved to, when the last command was a cd. */
  lastCd: string[] | undefined;

  constructor(start: readonly string[]) {
    this.current =
      start.length > 0
        ? start.map((d) => (/\/\.|\/\/|.\/$/.test(d) ? normalisePath(d) : d))
        : [UNKNOWN_DIR];
  }

  get oldpwd(): string[] {
    return this.previous;
  }

  /** cd [-L|-P|-e|-@] [--] [DIR]: `targets` are the possible values of DIR (none: the home). */
  cd(targets: Value[] | undefined, cdpath: Value[] | undefined): void {
    const next: string[] = [];
    const add = (d: string) => {
      if (!next.includes(d)) next.push(d);
    };
    for (const t of targets ?? [{ text: "~", dynamic: false }]) {
      if (t.dynamic) add(UNKNOWN_DIR);
      else if (t.text === "-") for (const d of this.previous) add(d);
      else if (t.text === "" || isAnchored(t.text)) add(normalisePath(t.text || "~"));
      else {
        // CDPATH is searched for a name that does not start with ./ or ../
        if (cdpath && !/^\.\.?(\/|$)/.test(t.text))
          for (const base of cdpath)
            for (const entry of base.dynamic ? [UNKNOWN_DIR] : base.text.split(":"))
              if (entry) add(dirIn(t.text, entry));
        for (const d of this.current) add(dirIn(t.text, d));
      }
    }
    this.moveTo(next);
  }

  pushd(targets: Value[] | undefined, cdpath: Value[] | undefined): void {
    this.stack.push(this.current);
    this.cd(targets, cdpath);
  }

  popd(): void {
    const back = this.stack.pop();
    if (back) this.moveTo(back);
  }

  private moveTo(next: string[]): void {
    this.previous = this.current;
    this.current = this.errexit ? next : union(this.current, next);
    this.lastCd = next;
  }

  /** Runs `walk` in DIRS (`env -C DIR cmd`, a subshell's `cd`), then restores the directory. */
  within<T>(dirs: string[] | undefined, walk: () => T): T {
    const saved = { current: this.current, previous: this.previous };
    if (dirs) this.current = dirs;
    try {
      return walk();
    } finally {
      this.current = saved.current;
      this.previous = saved.previous;
    }
  }

  /** The directories PATH names from here (for `env -C PATH`, `sudo -D PATH`). */
  resolve(path: Value): string[] {
    if (path.dynamic) return [UNKNOWN_DIR];
    return union(
      [],
      this.current.map((d) => resolveIn(path.text, d)),
    );
  }
}

export function union(a: string[], b: string[]): string[] {
  const out = [...a];
  for (const d of b) if (!out.includes(d)) out.push(d);
  // Beyond this many candidates the directory is as good as unknown.
  return out.length > MAX_DIRS ? [UNKNOWN_DIR] : out;
}
