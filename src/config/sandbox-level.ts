// The sandbox settings' values: the levels (loosest first) and the paths a sandbox leaves writable.
import { z } from "zod";

/** Sandbox levels, loosest first: a per-run request may only move right (tighten). */
export const SANDBOX_LEVELS = ["off", "system", "workspace"] as const;
export type SandboxLevel = (typeof SANDBOX_LEVELS)[number];

export const sandboxLevelSchema = z.enum(SANDBOX_LEVELS, {
  error: 'expected "off", "system" or "workspace"',
});

/** A path the sandbox leaves writable: absolute, or under the home directory of the node (~/...). */
const writablePath = z
  .string({ error: 'expected a path like "~/.cache" or "/srv/cache"' })
  .refine(
    (p) => (p.startsWith("/") && p !== "/") || (p.startsWith("~/") && p.length > 2),
    'expected an absolute path other than "/", or one under the home directory ("~/.cache")',
  );
export const writableSchema = z.array(writablePath, {
  error: 'expected a list of paths like ["~/.cache"]',
});
