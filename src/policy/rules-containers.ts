// Rules on containers: a container is no sandbox when it is given a protected host path, a disk,
// the docker socket, or the host's powers (--privileged, --pid=host, node debug pods). Those two
// rules can be waived per node (`allow = ["rule:container-host-mount"]`); wiping every image,
// container and volume cannot.
import type { Invocation } from "../shell/analysis.ts";
import { isBlockDevice, isLoginFile, resolveOperand } from "./paths.ts";
import { type RuleContext, WRITE_IT_OUT } from "./targets.ts";
import type { Refusal } from "./types.ts";

const ENGINES = new Set(["docker", "podman", "nerdctl", "finch", "lima-nerdctl"]);
const SOCKETS = /\/(docker|podman|containerd|crio|buildkitd)\.sock$|\/var\/run\/docker$/;
/** Long options of `docker run` that take no value (all others do). */
const FLAGS =
  /^--(rm|privileged|init|detach|interactive|tty|read-only|publish-all|no-healthcheck|oom-kill-disable|sig-proxy|disable-content-trust|quiet|help|use-api-socket|replace|no-hosts)$/;
/** Capabilities that give the container the host. */
const HOST_CAPS = /^(ALL|SYS_ADMIN|SYS_MODULE|SYS_RAWIO|SYS_PTRACE|DAC_READ_SEARCH|SYS_BOOT)$/i;

/** What a container command does to the files it is given that a home cannot take. */
const DESTRUCTIVE =
  /(^|[\s;&|'"(])(rm|shred|unlink|rmdir|chmod|chown|chgrp|chattr|setfacl|dd|truncate|find|mkfs\S*|wipefs|mv|rsync)(\s|$)/;

/** Rules whose refusal a node may waive in its allow list with `rule:NAME`. */
export const WAIVABLE = new Set(["container-host-mount", "container-privileged"]);

interface RunOptions {
  /** What the container runs (the words after the image). */
  command: string[];
  /** Host paths bind-mounted; a read-only one can change nothing (unless it is a socket). */
  mounts: { source: string; index: number; readonly: boolean }[];
  devices: string[];
  privileged: string[];
}

/** docker run / create / container run: its options up to the image. */
function runOptions(args: string[]): RunOptions | undefined {
  let i = 0;
  if (args[0] === "container" || args[0] === "compose") i = 1;
  if (args[i] !== "run" && args[i] !== "create") return undefined;
  const out: RunOptions = { mounts: [], devices: [], privileged: [], command: [] };
  for (i++; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith("-")) {
      out.command = args.slice(i + 1); // after the image
      break;
    }
    const eq = a.indexOf("=");
    const [name, inline] =
      a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const short = /^-([a-zA-Z])(.+)$/.exec(a); // -v/:/h
    const valueAt = inline !== undefined || short ? i : i + 1;
    const value =
      inline ??
      (short && "veuhlmpwac".includes(short[1] as string) ? short[2] : undefined) ??
      args[i + 1];
    const key = short && "veuhlmpwac".includes(short[1] as string) ? `-${short[1]}` : name;
    if (key === "--privileged") out.privileged.push("--privileged");
    if (key === "-v" || key === "--volume") {
      const [source = "", , options = ""] = (value ?? "").split(":");
      out.mounts.push({ source, index: valueAt, readonly: /(^|,)ro(,|$)/.test(options) });
    }
    if (key === "--mount") {
      const m = /(?:^|,)(?:source|src)=([^,]*)/.exec(value ?? "");
      const readonly = /(^|,)(readonly|ro)(=(true|1))?(,|$)/.test(value ?? "");
      if (m && !/(^|,)type=(volume|tmpfs)(,|$)/.test(value ?? ""))
        out.mounts.push({ source: m[1] as string, index: valueAt, readonly });
    }
    if (key === "--device") out.devices.push((value ?? "").split(":")[0] ?? "");
    // The host's processes (nsenter -t 1 reaches its root); a shared network or IPC is no hazard.
    if (key === "--pid" && value === "host") out.privileged.push("--pid=host");
    if (key === "--cap-add" && HOST_CAPS.test(value ?? ""))
      out.privileged.push(`--cap-add=${value}`);
    if (
      key === "--security-opt" &&
      /(apparmor|seccomp)[:=]unconfined|label[:=]disable|systempaths=unconfined/.test(value ?? "")
    )
      out.privileged.push(`--security-opt ${value}`);
    const takesValue =
      inline === undefined &&
      !short &&
      (a.startsWith("--") ? !FLAGS.test(a) : "veuhlmpwac".includes(a.slice(-1)) && a.length === 2);
    if (takesValue) i++;
  }
  return out;
}

/** Host paths given to a container: protected ones, disks, login files, the engine's socket. */
export function containerHostMount(inv: Invocation, ctx: RuleContext): Refusal | undefined {
  if (!ENGINES.has(inv.name)) return undefined;
  const opts = runOptions(inv.argv.slice(1));
  if (!opts) return undefined;
  for (const { source, index, readonly } of opts.mounts) {
    const info = inv.args[index + 1];
    if (info?.dynamic && !source.startsWith("/") && !source.startsWith("~"))
      return {
        rule: "unresolved",
        message: `${inv.name} run mounts ${info.origin ?? "a host path"}, which is not known before it runs; ${WRITE_IT_OUT}`,
      };
    if (!source.includes("/") && !source.startsWith("~") && source !== ".") continue; // a named volume
    for (const path of resolveOperand(inv, source, ctx.links)) {
      const protection = ctx.table.reason(path);
      // A home given to a container that builds or tests is everyday work (`-v "$PWD":/src`);
      // one that deletes or re-permissions what it was given is not.
      const spared = protection?.home && !DESTRUCTIVE.test(opts.command.join(" "));
      const why = SOCKETS.test(path)
        ? "the engine's socket, which is root on the host"
        : readonly
          ? undefined
          : isBlockDevice(path)
            ? "a disk of the host"
            : isLoginFile(path)
              ? "a login file of the host"
              : spared
                ? undefined
                : protection?.reason;
      if (why)
        return {
          rule: "container-host-mount",
          message: `${inv.name} run mounts ${path} (${why}) into the container, where anything can change it`,
        };
    }
  }
  const device = opts.devices.flatMap((d) => resolveOperand(inv, d, ctx.links)).find(isBlockDevice);
  if (device)
    return {
      rule: "container-host-mount",
      message: `${inv.name} run passes the disk ${device} into the container`,
    };
  return undefined;
}

export function containerPrivileged(inv: Invocation): Refusal | undefined {
  if (inv.name !== "kubectl" && !ENGINES.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  if (inv.name === "kubectl" && args[0] === "debug" && args.some((a) => /^node\//.test(a)))
    return {
      rule: "container-privileged",
      message: "kubectl debug node/... runs a pod with the node's root filesystem and powers",
    };
  if (!ENGINES.has(inv.name)) return undefined;
  const opts = runOptions(args);
  if (!opts || opts.privileged.length === 0) return undefined;
  return {
    rule: "container-privileged",
    message: `${inv.name} run ${opts.privileged.join(" ")} gives the container the host's powers: it can mount its disks and enter its processes`,
  };
}

/** Every image, container and volume (with their data) removed at once. */
export function containerWipe(inv: Invocation): Refusal | undefined {
  if (!ENGINES.has(inv.name)) return undefined;
  const args = inv.argv.slice(1);
  const words = args.filter((a) => !a.startsWith("-"));
  const refuse = (what: string): Refusal => ({
    rule: "container-wipe",
    message: `${[inv.name, ...args].join(" ")} ${what}`,
  });
  if (
    words[0] === "system" &&
    words[1] === "prune" &&
    args.some((a) => /^(-[a-zA-Z]*a|--all|--volumes)$/.test(a))
  )
    return refuse("removes every image, stopped container and volume, with their data");
  if (words[0] === "system" && words[1] === "reset")
    return refuse("removes every image, container and volume");
  if (
    words[0] === "volume" &&
    (words[1] === "prune" || words[1] === "rm") &&
    (words[1] === "prune" || inv.args.some((a) => a.dynamic))
  )
    return refuse("removes volumes and the data in them");
  const rm =
    (words[0] === "rm" || words[0] === "rmi" || (words[0] === "container" && words[1] === "rm")) &&
    args.some((a) => /^(-[a-zA-Z]*f|--force)$/.test(a));
  if (
    rm &&
    inv.args.some((a) => a.dynamic && /\b(ps|images|ls)\b.*-[a-zA-Z]*q/.test(a.origin ?? ""))
  )
    return refuse("removes every container or image");
  return undefined;
}
