// The soak's commands: each first appends a marker line "<hostname> <id> <epoch ms>" to a file
// every node can write (the nodes share this machine's file system), so the harness can tell
// what really ran, where and how often. Sleeps carry the soak's tag in their argument
// ("2.0" + tag digits) so a leftover `sleep` is found by its command line.

export type Body = "print" | "sleep" | "fail" | "timeout" | "long";

const SIZES = [1, 1, 100, 1_000, 10_000, 100_000, 1_000_000, 5_000_000];

export interface Gen {
  tag: string;
  sleepTag: string;
  markerPath: string;
}

export const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** A sleep of about `s` seconds whose argument carries the tag digits. */
export function sleepArg(g: Gen, s: number): string {
  return `${s.toFixed(1)}${g.sleepTag}`;
}

export function marked(g: Gen, id: string, body: string): string {
  return `echo "$(hostname) ${id} $(date +%s%3N)" >> ${g.markerPath}; ${body}`;
}

/** A body of the given kind, and the timeout (s) to give the run. */
export function body(g: Gen, kind: Body): { text: string; timeoutS: number } {
  switch (kind) {
    case "print": {
      const n = pick(SIZES);
      return { text: `head -c ${n} /dev/zero | tr '\\0' x`, timeoutS: 20 };
    }
    case "sleep":
      return {
        text: `sleep ${sleepArg(g, pick([0.1, 0.3, 0.5, 1, 2]))}; echo slept`,
        timeoutS: 20,
      };
    case "fail":
      return { text: "echo failing >&2; exit 3", timeoutS: 20 };
    case "timeout":
      return { text: `sleep ${sleepArg(g, 30)}`, timeoutS: 2 };
    case "long":
      return { text: `echo started; sleep ${sleepArg(g, 30)}`, timeoutS: 60 };
  }
}

export function randomBody(): Body {
  return pick<Body>(["print", "print", "sleep", "sleep", "fail", "timeout"]);
}

/** The soak id inside a command, if any. */
export function idOf(tag: string, command: string): string | undefined {
  return new RegExp(`\\s(${tag}-[a-z0-9.]+-[0-9.]+)\\s`).exec(command)?.[1];
}
