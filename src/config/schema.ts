// The zod schema of the configuration file: the single source of truth for its shape.
import { isIP } from "node:net";
import { z } from "zod";
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

export const nodeSchema = z.strictObject({
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
  binary_path: SETTINGS.binary_path.type.optional(),
  transport: SETTINGS.transport.type.optional(),
  allow: z.array(glob).optional(),
  deny: z.array(glob).optional(),
});

const settingShape = Object.fromEntries(
  Object.entries(SETTINGS).map(([k, def]) => [k, def.type.optional()]),
) as { [K in SettingKey]: z.ZodOptional<(typeof SETTINGS)[K]["type"]> };

export const defaultsSchema = z.strictObject({
  ...settingShape,
  identity_file: z.string().min(1, "expected a key file path").optional(),
  port: port.optional(),
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
