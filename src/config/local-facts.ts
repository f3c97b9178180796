// Static facts about this machine (name, os, arch, cores) without spawning anything.
import os from "node:os";
import type { Arch, Os } from "./schema.ts";

export interface LocalFacts {
  name: string;
  hostname: string;
  os: Os;
  arch: Arch;
  cores: number;
}

export function detectLocalFacts(): LocalFacts {
  const hostname = os.hostname();
  const short = hostname.split(".")[0] || "localhost";
  return {
    name: short.replace(/[^A-Za-z0-9._-]/g, "-"),
    hostname,
    os: process.platform === "darwin" ? "macos" : "linux",
    arch: process.arch === "arm64" ? "arm64" : "x86_64",
    cores: os.availableParallelism(),
  };
}
