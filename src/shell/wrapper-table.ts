// The table of wrappers: programs whose operands are another command, with the options they take.
// Data only; wrappers.ts reads it. A wrapper missing here hides what it runs, so the list is long.

export interface WrapperSpec {
  /** Short options that take a value (attached or as the next argument). */
  valueShort?: string;
  /** Long options that take a value when not written --name=value. */
  valueLong?: string[];
  /** Options after which nothing is run (sudo -l, command -v, taskset -p). */
  stopShort?: string;
  stopLong?: string[];
  /** Whole arguments after which nothing is run (screen -ls). */
  stopArgs?: string[];
  /** Operands before the command (timeout DURATION, chroot NEWROOT, taskset MASK). */
  operands?: number;
  /** env NAME=VALUE... */
  assignments?: boolean;
  /** -5 style numeric options (nice). */
  numericFlags?: boolean;
  /** Options whose value is the directory the command runs in. */
  chdirShort?: string;
  chdirLong?: string[];
  /** `uv run CMD`: the wrapper runs a command only after this subcommand. */
  subcommand?: string[];
  /** Long options written with one dash (mpirun -np 4, -hostfile f). */
  singleDashLong?: boolean;
  /** With an argument like this it is no wrapper (runuser -c CODE runs shell code instead). */
  notWith?: RegExp;
}

const TIMEOUT: WrapperSpec = {
  valueShort: "sk",
  valueLong: ["--signal", "--kill-after"],
  operands: 1,
};
const STDBUF: WrapperSpec = { valueShort: "ioe", valueLong: ["--input", "--output", "--error"] };
/** systemd-run and run0: a transient unit, scope or timer running the command. */
const SYSTEMD_RUN: WrapperSpec = {
  valueShort: "upEHMsS",
  valueLong: [
    "--unit",
    "--property",
    "--description",
    "--slice",
    "--setenv",
    "--uid",
    "--gid",
    "--nice",
    "--host",
    "--machine",
    "--on-active",
    "--on-boot",
    "--on-startup",
    "--on-unit-active",
    "--on-unit-inactive",
    "--on-calendar",
    "--timer-property",
    "--path-property",
    "--socket-property",
    "--service-type",
    "--background",
    "--shell-prompt-prefix",
  ],
  chdirLong: ["--working-directory", "--chdir"],
};
const TRACER: WrapperSpec = {
  valueShort: "oepsaEuIXPbSOnlxDF",
  valueLong: ["--output", "--trace", "--signal", "--attach", "--string-limit", "--user"],
  stopShort: "p",
  stopLong: ["--attach"],
};
const UNSHARE: WrapperSpec = {
  valueShort: "SGRwt",
  valueLong: [
    "--setuid",
    "--setgid",
    "--root",
    "--propagation",
    "--setgroups",
    "--map-user",
    "--map-group",
    "--map-users",
    "--map-groups",
    "--target",
  ],
  chdirShort: "w",
  chdirLong: ["--wd"],
};
/** Tools that run a command in a project's environment: `uv run CMD`, `poetry run CMD`... */
const ENV_RUNNER: WrapperSpec = {
  subcommand: ["run", "exec"],
  valueShort: "np",
  valueLong: ["--name", "--prefix", "--with", "--env-file", "--python", "--directory"],
  chdirLong: ["--directory", "--cwd"],
};
/** Run as another user, then the command: gosu USER CMD, setuidgid USER CMD. */
const AS_USER: WrapperSpec = { operands: 1 };

export const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    valueShort: "ughpCDrtTUR",
    valueLong: [
      "--user",
      "--group",
      "--host",
      "--prompt",
      "--close-from",
      "--role",
      "--type",
      "--command-timeout",
      "--other-user",
      "--chroot",
    ],
    stopShort: "elvVK",
    stopLong: ["--edit", "--list", "--validate", "--version", "--remove-timestamp"],
    chdirShort: "D",
    chdirLong: ["--chdir"],
  },
  doas: { valueShort: "uC" },
  pkexec: { valueLong: ["--user"] },
  run0: SYSTEMD_RUN,
  "systemd-run": SYSTEMD_RUN,
  "systemd-inhibit": { valueLong: ["--what", "--who", "--why", "--mode"] },
  setpriv: {
    valueLong: [
      "--reuid",
      "--regid",
      "--ruid",
      "--euid",
      "--rgid",
      "--egid",
      "--groups",
      "--inh-caps",
      "--ambient-caps",
      "--bounding-set",
      "--securebits",
      "--pdeathsig",
      "--selinux-label",
      "--apparmor-profile",
      "--landlock-access",
      "--landlock-rule",
    ],
  },
  env: {
    valueShort: "uCSP",
    valueLong: ["--unset", "--block-signal", "--default-signal", "--ignore-signal"],
    assignments: true,
    chdirShort: "C",
    chdirLong: ["--chdir"],
  },
  nice: { valueShort: "n", valueLong: ["--adjustment"], numericFlags: true },
  nohup: {},
  time: { valueShort: "fo", valueLong: ["--format", "--output"] },
  gtime: { valueShort: "fo", valueLong: ["--format", "--output"] },
  timeout: TIMEOUT,
  gtimeout: TIMEOUT,
  stdbuf: STDBUF,
  gstdbuf: STDBUF,
  ionice: {
    valueShort: "cn",
    valueLong: ["--class", "--classdata"],
    stopShort: "pPu",
    stopLong: ["--pid", "--pgid", "--uid"],
  },
  taskset: { operands: 1, stopShort: "p", stopLong: ["--pid"] },
  chrt: { operands: 1, valueShort: "T", stopShort: "pm", stopLong: ["--pid", "--max"] },
  numactl: {
    valueShort: "imNCpPw",
    valueLong: [
      "--interleave",
      "--membind",
      "--cpunodebind",
      "--physcpubind",
      "--preferred",
      "--preferred-many",
      "--weighted-interleave",
    ],
    stopShort: "sHS",
    stopLong: ["--show", "--hardware"],
  },
  unshare: UNSHARE,
  nsenter: { ...UNSHARE, valueShort: "tSGrw", valueLong: ["--target", "--setuid", "--setgid"] },
  chroot: { valueLong: ["--userspec", "--groups"], operands: 1 },
  fakeroot: { valueShort: "lisb", valueLong: ["--lib", "--faked", "--fd-base"] },
  strace: TRACER,
  ltrace: TRACER,
  valgrind: {},
  catchsegv: {},
  "xvfb-run": {
    valueShort: "snefwpl",
    valueLong: [
      "--server-args",
      "--server-num",
      "--error-file",
      "--auth-file",
      "--wait",
      "--xauth-protocol",
    ],
  },
  exec: { valueShort: "a" },
  command: { stopShort: "vV" },
  builtin: {},
  caffeinate: { valueShort: "tw" },
  setsid: {},
  busybox: {},
  unbuffer: {},
  proxychains: { valueShort: "f" },
  proxychains4: { valueShort: "f" },
  torsocks: { valueShort: "uapP" },
  runuser: {
    valueShort: "ugG",
    valueLong: ["--user", "--group", "--supp-group"],
    notWith: /^(-[a-zA-Z]*c|--command|--session-command)/,
  },
  sshpass: { valueShort: "pfdP" },
  srun: {
    valueShort: "AbcCdDeiJLmnNopqrStTwxGM",
    valueLong: [
      "--account",
      "--cpus-per-task",
      "--constraint",
      "--dependency",
      "--error",
      "--input",
      "--job-name",
      "--licenses",
      "--distribution",
      "--ntasks",
      "--nodes",
      "--output",
      "--partition",
      "--time",
      "--nodelist",
      "--exclude",
      "--gpus",
      "--mem",
    ],
    chdirShort: "D",
    chdirLong: ["--chdir"],
  },
  salloc: { valueShort: "AbcCdDJLmnNoptwxGM", chdirShort: "D", chdirLong: ["--chdir"] },
  mpirun: {
    valueShort: "nH",
    valueLong: ["-np", "-n", "-H", "-host", "-hostfile", "--host", "--hostfile", "--np"],
    singleDashLong: true,
  },
  mpiexec: {
    valueShort: "nH",
    valueLong: ["-np", "-n", "-H", "-host", "-hostfile", "--host", "--hostfile", "--np"],
    singleDashLong: true,
  },
  screen: { valueShort: "SctpehTR", stopShort: "rRxX", stopArgs: ["-ls", "-list", "-wipe"] },
  firejail: {},
  gosu: AS_USER,
  "su-exec": AS_USER,
  setuidgid: AS_USER,
  "s6-setuidgid": AS_USER,
  chpst: { valueShort: "uUbeI/nlLmdofcpr" },
  entr: {},
  uv: ENV_RUNNER,
  poetry: ENV_RUNNER,
  pipenv: ENV_RUNNER,
  pdm: ENV_RUNNER,
  hatch: ENV_RUNNER,
  conda: ENV_RUNNER,
  mamba: ENV_RUNNER,
  micromamba: ENV_RUNNER,
  pixi: ENV_RUNNER,
  bundle: { subcommand: ["exec"] },
  // Package runners: `npx rimraf /etc` runs the package's program.
  npx: { valueShort: "p", valueLong: ["--package", "--call"], notWith: /^(-c|--call)/ },
  pnpx: { valueShort: "p", valueLong: ["--package"] },
  bunx: { valueShort: "p", valueLong: ["--package"] },
  npm: {
    subcommand: ["exec", "x"],
    valueShort: "pw",
    valueLong: ["--package", "--workspace", "--call"],
    notWith: /^(-c|--call)/,
  },
  pnpm: { subcommand: ["dlx", "exec"], valueLong: ["--package", "--filter"] },
  yarn: { subcommand: ["dlx", "exec"], valueShort: "p", valueLong: ["--package"] },
  direnv: { subcommand: ["exec"], operands: 1 },
  "dbus-launch": { valueLong: ["--config-file"] },
  "ssh-agent": { valueShort: "aEPt", stopShort: "kDscl" },
};
