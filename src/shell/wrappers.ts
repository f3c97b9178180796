// Commands that run another command given as their arguments (sudo, env, nice, timeout...):
// their options are skipped so that `sudo -u x nice -n 5 rm` is seen as `rm`.
import { basename, type Value } from "./analysis.ts";

interface WrapperSpec {
  /** Short options that take a value (attached or as the next argument). */
  valueShort?: string;
  /** Long options that take a value when not written --name=value. */
  valueLong?: string[];
  /** Options after which nothing is run (sudo -l, command -v, taskset -p). */
  stopShort?: string;
  stopLong?: string[];
  /** Operands before the command (timeout DURATION, chroot NEWROOT, taskset MASK). */
  operands?: number;
  /** env NAME=VALUE... */
  assignments?: boolean;
  /** -5 style numeric options (nice). */
  numericFlags?: boolean;
}

const TIMEOUT: WrapperSpec = {
  valueShort: "sk",
  valueLong: ["--signal", "--kill-after"],
  operands: 1,
};
const STDBUF: WrapperSpec = { valueShort: "ioe", valueLong: ["--input", "--output", "--error"] };

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    valueShort: "ughpCDrtTUR",
    valueLong: [
      "--user",
      "--group",
      "--host",
      "--prompt",
      "--close-from",
      "--chdir",
      "--role",
      "--type",
      "--command-timeout",
      "--other-user",
      "--chroot",
    ],
    stopShort: "elvVK",
    stopLong: ["--edit", "--list", "--validate", "--version", "--remove-timestamp"],
  },
  doas: { valueShort: "uC" },
  env: {
    valueShort: "uCSP",
    valueLong: [
      "--unset",
      "--chdir",
      "--split-string",
      "--block-signal",
      "--default-signal",
      "--ignore-signal",
    ],
    assignments: true,
  },
  nice: { valueShort: "n", valueLong: ["--adjustment"], numericFlags: true },
  nohup: {},
  time: { valueShort: "fo", valueLong: ["--format", "--output"] },
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
  exec: { valueShort: "a" },
  command: { stopShort: "vV" },
  builtin: {},
  caffeinate: { valueShort: "tw" },
  setsid: {},
  chroot: { valueLong: ["--userspec", "--groups"], operands: 1 },
  busybox: {},
  unbuffer: {},
  proxychains: { valueShort: "f" },
  proxychains4: { valueShort: "f" },
  torsocks: { valueShort: "uapP" },
  runuser: { valueShort: "ugG", valueLong: ["--user", "--group", "--supp-group"] },
};

export function isWrapper(name: string): boolean {
  return Object.hasOwn(WRAPPERS, name);
}

/** The wrapped command's argv, or undefined when the wrapper runs nothing (`sudo -l`, bare `nohup`). */
export function unwrapOnce(argv: Value[]): Value[] | undefined {
  const name = basename(argv[0]?.text ?? "");
  const spec = WRAPPERS[name];
  if (!spec) return undefined;
  let operands = spec.operands ?? 0;
  let split: Value[] = [];
  let i = 1;
  while (i < argv.length) {
    const arg = (argv[i] as Value).text;
    if (arg === "--") {
      i++;
      break;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("--")) {
      const [long = "", inline] = arg.split("=", 2);
      if (spec.stopLong?.includes(long)) return undefined;
      const takesValue = spec.valueLong?.includes(long) && inline === undefined;
      if (long === "--split-string")
        split = splitString(
          inline !== undefined ? { ...(argv[i] as Value), text: inline } : argv[i + 1],
        );
      i += takesValue ? 2 : 1;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (spec.numericFlags && /^-\d+$/.test(arg)) {
        i++;
        continue;
      }
      const letters = arg.slice(1);
      let consumed = 1;
      for (let j = 0; j < letters.length; j++) {
        const letter = letters[j] as string;
        if (spec.stopShort?.includes(letter)) return undefined;
        if (spec.valueShort?.includes(letter)) {
          const attached = letters.slice(j + 1);
          const value = attached ? { ...(argv[i] as Value), text: attached } : argv[i + 1];
          if (name === "env" && letter === "S") split = splitString(value);
          if (!attached) consumed = 2;
          break;
        }
      }
      i += consumed;
      continue;
    }
    if (operands > 0) {
      operands--;
      i++;
      continue;
    }
    break;
  }
  const rest = [...split, ...argv.slice(i)];
  return rest.length > 0 ? rest : undefined;
}

/** env -S 'cmd args': the string is split into arguments (no shell involved). */
function splitString(value: Value | undefined): Value[] {
  if (!value) return [];
  return value.text
    .split(/[ \t\n]+/)
    .filter((s) => s !== "")
    .map((text) => ({ ...value, text }));
}

/** Takes off every wrapper: `sudo env X=1 nice make` → make, with ["sudo", "env", "nice"]. */
export function unwrapAll(argv: Value[]): { argv: Value[]; wrappers: string[] } {
  const wrappers: string[] = [];
  let current = argv;
  for (let n = 0; n < 16 && isWrapper(basename(current[0]?.text ?? "")); n++) {
    const inner = unwrapOnce(current);
    if (!inner) break;
    wrappers.push(basename(current[0]?.text ?? ""));
    current = inner;
  }
  return { argv: current, wrappers };
}
