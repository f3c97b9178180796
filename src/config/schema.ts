// The zod schema of the configuration file: the single source of truth for its shape.
import { isIP } from "node:net";
import { z } from "zod";
import { sandboxLevelSchema, writableSchema } from "./sandbox-level.ts";
import { SETTINGS, type SettingKey } from "./settings.ts";

const OS_ALIASES: Record<string, "linux" | "macos"> = {
  linux: "linux",
  macos: "macos",
  darwin: "macos",
};
const ARCH_ALIASES: Record<string, "x86_64" | "arm64"> = {
  x86_64: "x86_64",
  amd64: "x86_64",
  x64: "x86_64",
  arm64: "arm64",
  aarch64: "arm64",
};

export const osSchema = z.string({ error: 'expected "linux" or "macos"' }).transform((v, ctx) => {
  const os = OS_ALIASES[v.toLowerCase()];
  if (!os)
    ctx.addIssue({ code: "custom", message: 'expected "linux" or "macos" (alias "darwin")' });
  return os ?? "linux";
});

export const archSchema = z
  .string({ error: 'expected "x86_64" or "arm64"' })
  .transform((v, ctx) => {
    const arch = ARCH_ALIASES[v.toLowerCase()];
    if (!arch)
      ctx.addIssue({
        code: "custom",
        message: 'expected "x86_64" or "arm64" (aliases "amd64", "aarch64")',
      });
    return arch ?? "x86_64";
  });

export type Os = "linux" | "macos";
export type Arch = "x86_64" | "arm64";

export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const word = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'expected a word like "docker"');
const port = z
  .number({ error: "expected a TCP port" })
  .int("expected a TCP port")
  .min(1, "expected a TCP port 1-65535")
  .max(65535, "expected a TCP port 1-65535");
const glob = z.string().min(1, 'expected a command-word glob like "git*"');

/**
 * Slurm's --time forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (or a whole number of
 * minutes in TOML). Kept as Slurm writes it; slurm/time.ts converts it to minutes.
 */
export const SLURM_TIME =
  /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2})$/;
const slurmTime = z
  .union([z.number().int().positive(), z.string()], {
    error: 'expected a Slurm time limit like "30", "2:00:00" or "1-12:00:00"',
  })
  .transform((v) => String(v))
  .refine(
    (v) => SLURM_TIME.test(v) && /[1-9]/.test(v),
    'expected a Slurm time limit like "30" (minutes), "2:00:00" or "1-12:00:00", above zero',
  );
const slurmName = (what: string) =>
  z
    .string({ error: `expected a Slurm ${what} name` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, `expected a Slurm ${what} name like "debug"`);

/** Keys only a `kind = "slurm"` node may have. */
export const SLURM_KEYS = ["partition", "account", "qos", "cpus_per_task", "time_limit"] as const;

const nodeFields = z.strictObject({
  kind: z
    .enum(["ssh", "slurm"], { error: 'expected "ssh" (the default) or "slurm"' })
    .default("ssh"),
  host: z.string({ error: "expected a host name" }).min(1, "expected a host name").optional(),
  ip: z
    .string({ error: "expected an IP address" })
    .refine((v) => isIP(v) !== 0, "expected an IPv4 or IPv6 address")
    .optional(),
  os: osSchema.optional(),
  arch: archSchema.optional(),
  cores: z
    .number()
    .int("expected a whole number of cores")
    .positive("expected cores > 0")
    .optional(),
  capabilities: z.array(word).default([]),
  specialties: z.array(word).default([]),
  user: SETTINGS.user.type.optional(),
  identity_file: z.string().min(1, "expected a key file path").optional(),
  port: port.optional(),
  binary_path: z.string().min(1, "expected a path to cluster-exec on that node").optional(),
  transport: SETTINGS.transport.type.optional(),
  allow: z.array(glob).optional(),
  deny: z.array(glob).optional(),
  sandbox: sandboxLevelSchema.optional(),
  writable: writableSchema.optional(),
  // kind = "slurm": host is the submit (login) host; jobs go to this partition.
  partition: slurmName("partition").optional(),
  account: slurmName("account").optional(),
  qos: slurmName("qos").optional(),
  cpus_per_task: z
    .number({ error: "expected a whole number of CPUs" })
    .int("expected a whole number of CPUs")
    .min(1, "expected cpus_per_task >= 1")
    .max(4096, "expected cpus_per_task <= 4096")
    .optional(),
  time_limit: slurmTime.optional(),
});

/** A node: the fields above, with the Slurm keys required or refused by its kind. */
export const nodeSchema = nodeFields.superRefine((n, ctx) => {
  if (n.kind === "slurm") {
    if (n.partition === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["partition"],
        input: undefined,
        message: 'missing; a kind = "slurm" node needs partition = "NAME" (see `sinfo -s`)',
      });
    if (n.cores !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["cores"],
        input: n.cores,
        message: 'not for a kind = "slurm" node: its CPUs come from sinfo (set cpus_per_task)',
      });
    return;
  }
  for (const key of SLURM_KEYS)
    if (n[key] !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [key],
        input: n[key],
        message: `only for kind = "slurm" nodes (this node is kind = "${n.kind}")`,
      });
});

const settingShape = Object.fromEntries(
  Object.entries(SETTINGS).map(([k, def]) => [k, def.type.optional()]),
) as { [K in SettingKey]: z.ZodOptional<(typeof SETTINGS)[K]["type"]> };

export const defaultsSchema = z.strictObject({
  ...settingShape,
  identity_file: z.string().min(1, "expected a key file path").optional(),
  port: port.optional(),
  writable: writableSchema.optional(),
});

export const fileSchema = z.strictObject({
  defaults: defaultsSchema.default({}),
  nodes: z
    .record(
      z.string().regex(NODE_NAME, "expected a node name of letters, digits, '.', '_' or '-'"),
      nodeSchema,
    )
    .default({}),
});

export type FileConfig = z.infer<typeof fileSchema>;
