// Reading the configuration file: where it is, TOML parsing, and the embedded default.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClusterError } from "../errors.ts";
import { detectLocalFacts } from "./local-facts.ts";

export function readConfigFile(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  home: string,
): { path?: string; raw: Record<string, unknown> } {
  const configHome = env.XDG_CONFIG_HOME || join(home, ".config");
  const path = explicit
    ? resolve(expandHome(explicit, home))
    : join(configHome, "cluster-exec", "cluster.toml");
  if (!existsSync(path)) {
    if (explicit)
      throw new ClusterError(
        "CONFIG_INVALID",
        `config file ${path}: not found (expected a readable TOML file)`,
        {
          path,
        },
      );
    return { raw: embeddedDefault() };
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ClusterError("CONFIG_INVALID", `config file ${path}: ${(err as Error).message}`, {
      path,
    });
  }
  try {
    const raw = Bun.TOML.parse(text);
    return { path, raw: isRecord(raw) ? raw : {} };
  } catch (err) {
    // Bun's TOML error carries no position in the file (its line/column are the JS caller's).
    const reason = (err as Error).message.replace(/^TOML Parse error: /, "");
    throw new ClusterError("CONFIG_INVALID", `config file ${path}: invalid TOML: ${reason}`, {
      path,
    });
  }
}

/** No file: a one-node cluster made of this machine, so every verb works at once. */
export function embeddedDefault(): Record<string, unknown> {
  const facts = detectLocalFacts();
  return {
    nodes: {
      [facts.name]: { host: facts.hostname, os: facts.os, arch: facts.arch, cores: facts.cores },
    },
  };
}

export function expandHome(p: string, home: string): string {
  return p === "~" ? home : p.startsWith("~/") ? join(home, p.slice(2)) : p;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
