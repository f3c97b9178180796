// The remote side of a run: the quoted wrapper that starts a command in its own process group and
// the status line it prints first (the kill scripts live in exec/reap-script.ts, shared with the
// local side).
import { sandboxCheckLines, sandboxExecLines } from "../sandbox/launch.ts";
import type { SandboxSpec } from "../sandbox/levels.ts";
import { shellQuote } from "../shell/quote.ts";

/** First stdout line of every wrapped run: fixed length, so it is cut off exactly. */
export const MARK_PREFIX = "\x1ecluster-exec:";
/** The same prefix as printf writes it (octal escape: no control byte travels in the command). */
export const MARK_PRINTF = "\\036cluster-exec:";
/**
 * `\x1ecluster-exec:pgid=0000012345\n` — 10 digits covers every pid_max (Linux caps it at 2^22).
 * Other keys: `pgbw` (the group id, the run is inside bubblewrap), `nocd` (cwd missing), `nosb`
 * (no sandbox could be had; the number says why, see sandbox/paths.ts REFUSAL).
 */
export const MARK_LENGTH = MARK_PREFIX.length + "pgid=".length + 10 + 1;
/** Noise a login shell's rc files may print before the mark; past this, the mark is given up on. */
export const MARK_SEARCH_LIMIT = 64 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RemoteCommandSpec {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Run inside the OS sandbox (the same launch lines as the local executor). */
  sandbox?: SandboxSpec;
}

/** An env name a POSIX shell cannot export, or undefined when all are fine. */
export function badEnvName(env: Record<string, string> | undefined): string | undefined {
  return Object.keys(env ?? {}).find((k) => !ENV_NAME.test(k));
}

/**
 * The one string sent to sshd, which hands it to the user's login shell with `-c`. The body is
 * plain POSIX sh (any POSIX-like login shell parses it: sh, bash, zsh, ksh, dash) and runs in the
 * login shell itself: no program is started before the command's own `bash -c CMD`.
 *
 * The wrapper never forks: the command ends up as the very process sshd started, so sshd reports
 * its exit code or signal exactly (a waiting parent would turn a signal into 128+N).
 * It must lead its own process group so that timeout, cancel and leftover cleanup can kill the
 * whole tree with `kill -SIG -PGID`. OpenSSH calls setsid() for every session, so the test
 * `kill -0 -$$` (does a group numbered like me exist?) passes and the body is evaluated at once.
 * Where it does not, the body is re-executed through `setsid` (Linux; it does not fork when the
 * caller is not a group leader, which is exactly this case) or, on macOS which has no setsid
 * binary, `perl -e 'setpgrp'` (perl ships with macOS); both keep the pid, so the exec chain stays
 * intact.
 */
export function buildRemoteCommand(spec: RemoteCommandSpec): string {
  const lines = ["unset CDPATH"];
  if (spec.cwd !== undefined)
    lines.push(
      `cd -- ${shellQuote(spec.cwd)} 2>/dev/null || { printf '${MARK_PRINTF}nocd=%010d\\n' 0; exit 126; }`,
    );
  if (spec.sandbox) {
    const refuse = (code: number) => `printf '${MARK_PRINTF}nosb=%010d\\n' ${code}; exit 126`;
    lines.push(...sandboxCheckLines(spec.sandbox, refuse));
    lines.push('cx_m=pgid; [ "$cx_box" = bwrap ] && cx_m=pgbw');
    lines.push(`printf '${MARK_PRINTF}%s=%010d\\n' "$cx_m" "$$"`);
  } else lines.push(`printf '${MARK_PRINTF}pgid=%010d\\n' "$$"`);
  lines.push(...envExports(spec.env));
  lines.push("exec </dev/null");
  // Same shell as the local executor: bash where it exists, else sh.
  const cmd = shellQuote(spec.command);
  if (spec.sandbox) lines.push(...sandboxExecLines(spec.sandbox, spec.command));
  else {
    lines.push(`command -v bash >/dev/null 2>&1 && exec bash -c ${cmd}`);
    lines.push(`exec /bin/sh -c ${cmd}`);
  }
  const body = shellQuote(lines.join("\n"));
  return [
    `b=${body}`,
    'kill -0 -$$ 2>/dev/null && eval "$b"',
    'if command -v setsid >/dev/null 2>&1; then exec setsid /bin/sh -c "$b"; fi',
    "exec perl -e 'setpgrp(0, 0); exec @ARGV or exit 127' /bin/sh -c \"$b\"",
  ].join("\n");
}

/** `export NAME=VALUE` lines, values quoted (names are checked with badEnvName first). */
export function envExports(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}

export type Mark =
  /** `wrapped`: inside bubblewrap, which reports death by signal N as exit code 128 + N. */
  | { kind: "pgid"; pgid: number; wrapped?: boolean }
  | { kind: "nocwd" }
  | { kind: "nosandbox"; reason: number }
  | { kind: "missing" };

/**
 * Finds the status line at the start of stdout. Everything before it is rc-file noise and is
 * dropped; everything after it is the command's output.
 */
export class MarkReader {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  mark: Mark | undefined;

  /** Feeds stdout; returns the command's output contained in this chunk (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.mark) return chunk;
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    const all = concat(this.pending, this.pendingLen);
    const at = indexOf(all, MARK_BYTES);
    if (at >= 0 && all.length >= at + MARK_LENGTH) {
      const line = new TextDecoder().decode(
        all.subarray(at + MARK_PREFIX.length, at + MARK_LENGTH),
      );
      const m = /^(pgid|pgbw|nocd|nosb)=(\d{10})\n$/.exec(line);
      this.mark = m ? toMark(m[1] as string, Number(m[2])) : { kind: "missing" };
      this.pending = [];
      return m ? all.subarray(at + MARK_LENGTH) : all;
    }
    if (all.length > MARK_SEARCH_LIMIT) {
      this.mark = { kind: "missing" };
      this.pending = [];
      return all;
    }
    this.pending = [all];
    return EMPTY;
  }

  /** At end of stream: whatever was held back waiting for a mark that never came. */
  flush(): Uint8Array {
    if (this.mark) return EMPTY;
    this.mark = { kind: "missing" };
    const all = concat(this.pending, this.pendingLen);
    this.pending = [];
    return all;
  }
}

function toMark(key: string, n: number): Mark {
  if (key === "nocd") return { kind: "nocwd" };
  if (key === "nosb") return { kind: "nosandbox", reason: n };
  return key === "pgbw" ? { kind: "pgid", pgid: n, wrapped: true } : { kind: "pgid", pgid: n };
}

export { buildKillScript, KILL_FUNCTIONS } from "../exec/reap-script.ts";

const MARK_BYTES = new TextEncoder().encode(MARK_PREFIX);
const EMPTY = new Uint8Array(0);

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
