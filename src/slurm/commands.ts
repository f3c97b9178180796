// The command lines sent to the submit host: srun for a run, sbatch for a batch job, scancel, and
// the poll of a batch job (its state and the new bytes of its output files). Pure: strings only.
import type { NodeConfig } from "../config/load.ts";
import { shellQuote } from "../shell/quote.ts";
import { jobTimeLimit } from "./time.ts";

/** Printed by the job itself as its first stdout line (octal escape: no control byte in the command). */
export const JOB_MARK_PRINTF = "\\036cluster-exec:job=%s\\n";
/** Directory of batch jobs' output files on the submit host (it must be visible to the compute nodes). */
export const OUTPUT_DIR = "$HOME/.cluster-exec/slurm";

export function jobName(taskId: string): string {
  return `ce-${taskId}`;
}

/** Flags every job gets: where, as whom, how big, how long, and its name. */
function jobFlags(node: NodeConfig, name: string, timeoutMs: number): string[] {
  const flags = [
    `--partition=${node.partition}`,
    "--ntasks=1",
    `--cpus-per-task=${node.cpus_per_task ?? 1}`,
    `--time=${jobTimeLimit(node.time_limit, timeoutMs)}`,
    `--job-name=${name}`,
  ];
  if (node.account) flags.push(`--account=${node.account}`);
  if (node.qos) flags.push(`--qos=${node.qos}`);
  return flags.map(shellQuote);
}

/**
 * The shell a job runs CMD in (passed as $1, never re-quoted): bash where the compute node has it,
 * else sh, as on any other node. `exec` keeps the command the job's task, so Slurm reports its own
 * exit code or signal.
 */
function jobShell(mark: boolean): string {
  const lines = [
    ...(mark ? [`printf '${JOB_MARK_PRINTF}' "$SLURM_JOB_ID"`] : []),
    'command -v bash >/dev/null 2>&1 && exec bash -c "$1"',
    'exec /bin/sh -c "$1"',
  ];
  return `/bin/sh -c ${shellQuote(lines.join("\n"))} cluster-exec`;
}

/**
 * `srun` for a foreground run: unbuffered (-u: partial lines at once), stdin closed (--input=none:
 * a command reading stdin sees EOF at once), quiet (-Q: no "queued and waiting" chatter). The job
 * prints its id first (JOB_MARK_PRINTF), then runs the command. Run from the run's cwd on the submit
 * host, so the job starts there too.
 */
export function srunLine(node: NodeConfig, taskName: string, command: string, timeoutMs: number) {
  return [
    "exec srun -u -Q --input=none",
    ...jobFlags(node, taskName, timeoutMs),
    jobShell(true),
    shellQuote(command),
  ].join(" ");
}

/**
 * Stopping a job, phase by phase, so that cluster-exec's kill_grace holds rather than the cluster's
 * KillWait: "TERM" signals the processes of the job's steps (`scancel --signal=TERM`; a batch job
 * needs `--full` to reach its batch script — which, on an srun job, makes the signal reach nothing;
 * a job still pending, which has no processes, is cancelled outright), "KILL" the same with
 * SIGKILL and then cancels whatever is left. Before the job id is known it is cancelled by name.
 * TERM is sent between STOP and CONT so that it reaches the whole step at once.
 */
export function scancelLine(
  jobId: string | null,
  name: string,
  phase: "TERM" | "KILL" = "TERM",
  batch = false,
): string {
  if (!jobId) return `scancel --name=${shellQuote(name)}`;
  const id = shellQuote(jobId);
  const full = batch ? " --full" : "";
  const signal = (s: string) => `scancel --signal=${s}${full} ${id} 2>/dev/null`;
  if (phase === "KILL") return `${signal("KILL")}; scancel ${id}`;
  // Slurm signals a step's processes one by one (proctrack/linuxproc walks the tree): a shell whose
  // child died first could run its next command before its own TERM arrives. Stopped first, every
  // process has TERM pending when they all continue, as with a kill(2) of a whole group.
  return `${signal("STOP")} && ${signal("TERM")} && ${signal("CONT")} || scancel ${id}`;
}

/**
 * `sbatch --wrap` for a background task, output files under OUTPUT_DIR. Prints `@@job ID` and
 * `@@dir DIR` (the absolute directory), or `@@nocwd` when the working directory is missing.
 */
export function sbatchLine(
  node: NodeConfig,
  name: string,
  command: string,
  timeoutMs: number,
  cwd?: string,
): string {
  const wrap = `exec ${jobShell(false)} ${shellQuote(command)}`;
  const chdir = cwd === undefined ? [] : [`--chdir=${shellQuote(cwd)}`];
  return [
    ...(cwd === undefined ? [] : [`[ -d ${shellQuote(cwd)} ] || { echo @@nocwd; exit 3; }`]),
    `d="${OUTPUT_DIR}"`,
    'mkdir -p "$d" || exit 1',
    `id=$(sbatch --parsable ${jobFlags(node, name, timeoutMs).join(" ")} ${chdir.join(" ")} --output="$d/${name}.out" --error="$d/${name}.err" --wrap=${shellQuote(wrap)}) || exit 1`,
    'echo "@@job $id"',
    'echo "@@dir $d"',
  ].join("\n");
}

/** Removes a finished batch job's output files (read to their end by then). */
export function removeFilesLine(files: string[]): string {
  return `rm -f -- ${files.map(shellQuote).join(" ")}`;
}

/** Most bytes of each output file one poll brings back. */
export const POLL_MAX_BYTES = 1024 * 1024;

/**
 * One poll of a batch job: `@@state` then scontrol's one-line record (or, for a job the controller
 * has forgotten, `@@sacct` and sacct's record — sacct needs slurmdbd), then `@@data N M` and exactly
 * N new bytes of stdout and M of stderr from the given offsets. The state is read before the files,
 * so a final state comes with the whole output.
 */
export function pollScript(jobId: string, files: [string, string], offsets: [number, number]) {
  const read = (f: string, off: number, v: string) =>
    [
      `s=$(wc -c < ${shellQuote(f)} 2>/dev/null || echo 0); s=$((s + 0))`,
      `${v}=$((s - ${off})); [ "$${v}" -lt 0 ] && ${v}=0; [ "$${v}" -gt ${POLL_MAX_BYTES} ] && ${v}=${POLL_MAX_BYTES}`,
    ].join("\n");
  const cat = (f: string, off: number, v: string) =>
    `[ "$${v}" -gt 0 ] && tail -c +${off + 1} ${shellQuote(f)} | head -c "$${v}"`;
  const id = shellQuote(jobId);
  return [
    "echo @@state",
    `scontrol -o show job ${id} 2>&1 || { echo @@sacct; sacct -X -n -P -j ${id} -o JobID,State,ExitCode,Reason 2>&1 | head -n 1; }`,
    read(files[0], offsets[0], "a"),
    read(files[1], offsets[1], "b"),
    'echo "@@data $a $b"',
    cat(files[0], offsets[0], "a"),
    cat(files[1], offsets[1], "b"),
    "exit 0",
  ].join("\n");
}
