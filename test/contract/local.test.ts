// The executor contract against the local adapter (Bun.spawn), in process.
import { createLocalExecutor } from "../../src/exec/local.ts";
import { runRecorded } from "../helpers/exec-record.ts";
import { executorContract } from "./executor-contract.ts";

const exec = createLocalExecutor();
executorContract("local", () => ({ run: (req) => runRecorded(exec, req) }));
