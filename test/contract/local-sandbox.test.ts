// The executor contract against the local adapter inside the OS sandbox (bubblewrap): output, exit
// codes, signals, timeout, cancel and leftover kills must be exactly as without it.
import { createLocalExecutor } from "../../src/exec/local.ts";
import { runRecorded } from "../helpers/exec-record.ts";
import { executorContract } from "./executor-contract.ts";

const exec = createLocalExecutor();
for (const level of ["system", "workspace"] as const)
  executorContract(`local, sandbox ${level}`, () => ({ run: (req) => runRecorded(exec, req) }), {
    base: { sandbox: { level, writable: [] } },
  });
