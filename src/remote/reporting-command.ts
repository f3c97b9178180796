// The remote wrapper for transports that lose the exit status (the OpenSSH client reports neither
// the signal that killed a command nor whether a session ended or its connection died): a small
// waiter on the node starts the command in its own process group, waits for it, and reports how it
// ended on a last stderr line carrying a per-run nonce. A sandboxed run's child becomes the
// sandbox (sandbox/launch.ts, the same lines as every other transport) instead of the shell.
import { sandboxCheckLines, sandboxExecLines } from "../sandbox/launch.ts";
import type { SandboxSpec } from "../sandbox/levels.ts";
import { shellQuote } from "../shell/quote.ts";
import { envExports, MARK_PRINTF, type RemoteCommandSpec } from "./remote-command.ts";

/**
 * The waiter, in perl (on every macOS and every Debian-family Linux): the only common tool that
 * tells a signal from an exit code (a shell's `$?` folds both into 128+N). It stays OUTSIDE the
 * command's group, so the group kill never hits it and it always reports. Arguments: NONCE CWD
 * NENV (K V)... BOXED COMMAND (BOXED=1: COMMAND is the sandbox launch script, run by /bin/sh, which
 * prints the pgid status line itself). The status line names the signal as the node spells it
 * (Config, loaded only then: it doubles perl's start), and says whether the group was already
 * empty (then no leftover kill is needed: one round trip saved per run).
 */
const PERL_WAITER = `my ($t, $d, $n) = splice @ARGV, 0, 3;
my %e = splice @ARGV, 0, 2 * $n;
my ($x, $c) = splice @ARGV, 0, 2;
delete $ENV{CDPATH};
$ENV{$_} = $e{$_} for keys %e;
$| = 1;
if (length $d && !chdir $d) { printf "\\036cluster-exec:nocd=%010d\\n", 0; exit 126 }
open STDIN, "<", "/dev/null";
my ($b) = grep { -x "$_/bash" } split /:/, ($ENV{PATH} // "");
my @sh = $b ? ("$b/bash", "bash") : ("/bin/sh", "sh");
my $p = fork;
defined $p or do { print STDERR "cluster-exec: fork failed: $!\\n"; exit 126 };
if (!$p) { setpgrp(0, 0); if ($x) { exec { "/bin/sh" } "sh", "-c", $c; exit 127 } printf "\\036cluster-exec:pgid=%010d\\n", $$; exec { $sh[0] } $sh[1], "-c", $c; exit 127 }
$SIG{$_} = "IGNORE" for qw(HUP INT TERM QUIT);
waitpid($p, 0);
my $s = $?;
my $g = kill(0, -$p) ? "" : ",empty";
my $how = "exit=" . ($s >> 8);
if ($s & 127) { require Config; my @n = split " ", $Config::Config{sig_name}; $how = "sig=$n[$s & 127]" }
printf STDERR "\\036cluster-exec:%s:%s%s\\n", $t, $how, $g;
exit(($s & 127) ? 128 + ($s & 127) : $s >> 8);`;

/**
 * The command's shell under the bash waiter: it prints its own pid (its job's group), and on a
 * normal end records its exit code (an EXIT trap; bash runs it on TERM too, but with another
 * status, and never on KILL or after an `exec`). Its positional parameters and $0 are the same as
 * `bash -c CMD` gives.
 */
function bashChild(nonce: string): string {
  const rec = `printf "\\036cluster-exec:${nonce}:rec=%d\\n" "$?" >&2`;
  return [
    `printf "${MARK_PRINTF}pgid=%010d\\n" "$$"`,
    `trap ${shellQuote(rec)} EXIT`,
    '__ce=$1; set --; eval "unset __ce; $__ce"',
  ].join("\n");
}

/** The setsid'd child of the shell fallback: prints its own pid (= its new group) and becomes the command. */
const SETSID_CHILD = `printf "${MARK_PRINTF}pgid=%010d\\n" "$$"; exec "$@"`;

/** A fresh nonce per run: command output cannot forge (or accidentally contain) the status line. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
}

/** The lines every shell waiter starts with: no CDPATH, the cwd (or the nocd mark), the env. */
function setupLines(spec: RemoteCommandSpec): string[] {
  const lines = ["unset CDPATH"];
  if (spec.cwd !== undefined)
    lines.push(
      `cd -- ${shellQuote(spec.cwd)} 2>/dev/null || { printf '${MARK_PRINTF}nocd=%010d\\n' 0; exit 126; }`,
    );
  return [...lines, ...envExports(spec.env)];
}

/**
 * When the login shell is bash (most Linux nodes), it is the waiter itself: one program start
 * fewer than perl, the cheapest exact form. Job control (`set -m`) gives the command's shell a
 * group of its own; its job notices go to /dev/null, the command's stderr to the real one (fd 4).
 * `wait` folds a signal into 128+N, so the child's recorded exit code settles it: equal, an exit;
 * different or missing and over 128, the signal `kill -l` names. Only POSIX syntax: every login
 * shell parses this branch before skipping it.
 */
function bashWaiter(spec: RemoteCommandSpec, nonce: string, launch?: string): string[] {
  const child = launch
    ? `/bin/sh -c ${shellQuote(launch)}`
    : `bash -c ${shellQuote(bashChild(nonce))} bash ${shellQuote(spec.command)}`;
  return [
    "set +e +u",
    ...setupLines(spec),
    "exec 4>&2",
    "set -m",
    `{ ${child} 2>&4 4>&- </dev/null & p=$!; wait "$p"; s=$?; } 2>/dev/null`,
    'if kill -0 -"$p" 2>/dev/null; then g=; else g=,empty; fi',
    'n=; if [ "$s" -gt 128 ]; then n=$(kill -l "$s" 2>/dev/null); fi',
    `printf '\\036cluster-exec:%s:wait=%d%s%s\\n' ${nonce} "$s" "\${n:+,sig=$n}" "$g" >&4`,
    'exit "$s"',
  ];
}

/**
 * A sandboxed run's child, a /bin/sh script that replaces the command's shell in every waiter: it
 * checks the node's sandbox (none, or a workspace in a system directory: the nosb status line, and
 * nothing runs), prints the status line itself (pgbw inside bubblewrap, which reports a death by
 * signal N as exit code 128 + N: the executor reads that back), then becomes the sandbox, in the
 * process group the waiter made for it.
 */
export function sandboxLaunch(spec: RemoteCommandSpec, sandbox: SandboxSpec): string {
  const refuse = (code: number) => `printf '${MARK_PRINTF}nosb=%010d\\n' ${code}; exit 126`;
  return [
    ...sandboxCheckLines(sandbox, refuse),
    'cx_m=pgid; [ "$cx_box" = bwrap ] && cx_m=pgbw',
    `printf '${MARK_PRINTF}%s=%010d\\n' "$cx_m" "$$"`,
    ...sandboxExecLines(sandbox, spec.command),
  ].join("\n");
}

/**
 * The one string sent to the node's login shell. A bash login shell waits itself (above). Else
 * the perl waiter (exact status). Without perl (minimal Linux images): a POSIX shell waiter through
 * `setsid`, whose status is a shell's `$?` ("approx": 128+N may be signal N); with neither, the
 * command is exec'd as by the plain wrapper and the status is the transport's own exit code ("exec").
 */
export function buildReportingCommand(spec: RemoteCommandSpec, nonce: string): string {
  if (!/^[0-9a-f]{16}$/.test(nonce)) throw new Error(`bad nonce ${nonce}`);
  const env = Object.entries(spec.env ?? {});
  const launch = spec.sandbox ? sandboxLaunch(spec, spec.sandbox) : undefined;
  const perlArgs = [nonce, spec.cwd ?? "", String(env.length), ...env.flat()];
  perlArgs.push(launch ? "1" : "0", launch ?? spec.command);
  const perl = `exec perl -e ${shellQuote(PERL_WAITER)} ${perlArgs.map(shellQuote).join(" ")}`;
  const trailer = (status: string) => `printf '\\036cluster-exec:%s:${status}\\n' ${nonce} >&2`;
  const cmd = shellQuote(spec.command);
  const lines = [
    ...setupLines(spec),
    "exec </dev/null",
    launch
      ? `set -- /bin/sh -c ${shellQuote(launch)}`
      : `if command -v bash >/dev/null 2>&1; then set -- bash -c ${cmd}; else set -- /bin/sh -c ${cmd}; fi`,
    "if command -v setsid >/dev/null 2>&1; then",
    launch
      ? '  setsid "$@" &'
      : `  setsid /bin/sh -c ${shellQuote(SETSID_CHILD)} cluster-exec "$@" &`,
    '  p=$!; wait "$p"; s=$?',
    '  if kill -0 -"$p" 2>/dev/null; then g=; else g=,empty; fi',
    `  printf '\\036cluster-exec:%s:approx=%d%s\\n' ${nonce} "$s" "$g" >&2`,
    '  exit "$s"',
    "fi",
    trailer("exec"),
    ...(launch ? [] : [`printf '${MARK_PRINTF}pgid=%010d\\n' "$$"`]),
    'exec "$@"',
  ];
  const fallback = `exec /bin/sh -c 'eval "$1"' cluster-exec ${shellQuote(lines.join("\n"))}`;
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell, not a template
    'if [ -n "${BASH_VERSION-}" ]; then',
    ...bashWaiter(spec, nonce, launch).map((l) => `  ${l}`),
    "fi",
    `command -v perl >/dev/null 2>&1 && ${perl}`,
    fallback,
  ].join("\n");
}
