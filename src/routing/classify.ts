// Classifies an analysed command by the programs it runs (never by substring): heavy work to
// offload, local-only inspection, or light; plus the requirements and specialties it implies.
import type { Analysis, Invocation } from "../shell/analysis.ts";

/**
 * SPEC's offload words. `test` among them means a test run (`npm test`, `go test`, `make test`:
 * a subcommand, see heavyReason); the shell builtin `test -f x` / `[ -f x ]` checks this machine's
 * files, so it is a local word: sent elsewhere it would answer about the wrong machine.
 */
export const OFFLOAD_WORDS = new Set([
  "make",
  "cargo",
  "npm",
  "yarn",
  "pnpm",
  "pytest",
  "jest",
  "mocha",
  "gcc",
  "g++",
  "clang",
  "docker",
  "podman",
  "kubectl",
  "rsync",
  "scp",
  "tar",
  "zip",
  "find",
]);
/** SPEC's local words: cheap, and about this machine's files, so never worth moving. */
export const LOCAL_WORDS = new Set([
  "ls",
  "pwd",
  "cd",
  "echo",
  "cat",
  "head",
  "tail",
  "which",
  "type",
  "test",
  "[",
]);
const GREPS = new Set(["grep", "egrep", "fgrep", "ggrep"]);
/** Their first argument is a file, directory or pattern, never a subcommand: `mkdir test`. */
const OPERAND_FIRST = new Set([
  ...GREPS,
  "rg",
  "ag",
  "mkdir",
  "rmdir",
  "touch",
  "rm",
  "cp",
  "mv",
  "ln",
  "stat",
  "file",
  "du",
  "wc",
  "less",
  "more",
  "diff",
  "sort",
  "tee",
  "sed",
  "awk",
  "vi",
  "vim",
  "nano",
  "code",
  "open",
]);

const SPECIALTIES: Record<string, string[]> = {
  make: ["compilation"],
  cargo: ["compilation"],
  gcc: ["compilation"],
  "g++": ["compilation"],
  clang: ["compilation"],
  cmake: ["compilation"],
  ninja: ["compilation"],
  rustc: ["compilation"],
  pytest: ["testing"],
  jest: ["testing"],
  mocha: ["testing"],
  docker: ["containerization"],
  podman: ["containerization"],
  kubectl: ["containerization"],
  ollama: ["inference", "model-serving", "llm-api"],
  hyperfine: ["benchmarking"],
};

export type Weight = "local" | "light" | "heavy";

export interface InferredRequirement {
  kind: "os" | "capability";
  value: string;
  /** The program that implies it, e.g. "docker", "swift build". */
  because: string;
}

export interface Classification {
  weight: Weight;
  /** Why it is heavy: the offending programs as written, e.g. ["make", "grep -r"]. */
  heavy: string[];
  inferred: InferredRequirement[];
  /** Node specialties that suit this command (tie-breaker). */
  specialties: string[];
  /** Program names run, in order, without duplicates. */
  programs: string[];
}

export function classifyCommand(analysis: Analysis): Classification {
  const heavy: string[] = [];
  const inferred: InferredRequirement[] = [];
  const specialties = new Set<string>();
  const programs: string[] = [];
  let allLocal = true;
  for (const inv of analysis.invocations) {
    if (!inv.name) continue;
    if (!programs.includes(inv.name)) programs.push(inv.name);
    if (!LOCAL_WORDS.has(inv.name)) allLocal = false;
    const why = heavyReason(inv);
    if (why && !heavy.includes(why)) heavy.push(why);
    for (const s of SPECIALTIES[inv.name] ?? []) specialties.add(s);
    if (why?.endsWith(" test")) specialties.add("testing");
    for (const req of implied(inv))
      if (!inferred.some((r) => r.kind === req.kind && r.value === req.value)) inferred.push(req);
  }
  const weight: Weight = heavy.length > 0 ? "heavy" : allLocal ? "local" : "light";
  return { weight, heavy, inferred, specialties: [...specialties], programs };
}

function heavyReason(inv: Invocation): string | undefined {
  if (OFFLOAD_WORDS.has(inv.name)) return inv.name;
  const first = inv.argv[1];
  // `go test`, `bun test`, `mvn test`, `npm test`...: a program's `test` subcommand runs a suite.
  if (first === "test" && !LOCAL_WORDS.has(inv.name) && !OPERAND_FIRST.has(inv.name))
    return `${inv.name} test`;
  if (inv.name === "rgrep" || (GREPS.has(inv.name) && isRecursiveGrep(inv.argv.slice(1))))
    return "grep -r";
  return undefined;
}

function isRecursiveGrep(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") break;
    if (a === "--recursive" || a === "--dereference-recursive" || a === "--directories=recurse")
      return true;
    if ((a === "-d" || a === "--directories") && args[i + 1] === "recurse") return true;
    if (!/^-[^-]/.test(a)) continue;
    // -e PATTERN, -f FILE, -m N...: letters after them are the value, not flags.
    const flags = a.slice(1).split(/[efmABCDd]/)[0] ?? "";
    if (/[rR]/.test(flags)) return true;
    if (flags.length === a.length - 2) i++; // the value is the next argument
  }
  return false;
}

function implied(inv: Invocation): InferredRequirement[] {
  const sub = inv.argv[1];
  switch (inv.name) {
    case "docker":
    case "docker-compose":
      return [{ kind: "capability", value: "docker", because: inv.name }];
    case "podman":
    case "podman-compose":
      return [{ kind: "capability", value: "podman", because: inv.name }];
    case "ollama":
      return [{ kind: "capability", value: "ollama", because: "ollama" }];
    case "xcodebuild":
    case "xcrun":
      return [{ kind: "os", value: "macos", because: inv.name }];
    case "swift":
      return sub === "build" || sub === "test"
        ? [{ kind: "os", value: "macos", because: `swift ${sub}` }]
        : [];
    default:
      return [];
  }
}
